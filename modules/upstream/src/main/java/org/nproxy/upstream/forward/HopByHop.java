package org.nproxy.upstream.forward;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * RFC 9110 section 7.6.1: headers that belong to one connection and never cross a proxy.
 * {@code Trailer} is not one of them: it announces trailer fields, which are forwarded.
 */
public final class HopByHop {
    private HopByHop() {
    }

    public static boolean isHopByHop(HttpHeader h) {
        if (h == null) {
            return false;
        }
        return switch (h) {
            case CONNECTION, KEEP_ALIVE, PROXY_AUTHORIZATION, PROXY_AUTHENTICATE, PROXY_CONNECTION, TE, TRANSFER_ENCODING,
                 UPGRADE -> true;
            default -> false;
        };
    }

    /**
     * Trailer fields to pass on: all but hop-by-hop ones and {@code Content-Length} (RFC 9110
     * section 6.5.1: framing fields are not allowed in trailers). Null for none.
     */
    public static HttpFields trailers(HttpFields in) {
        if (in == null || in.size() == 0) {
            return null;
        }
        HttpFields.Mutable out = HttpFields.build(in.size());
        for (HttpField f : in) {
            if (!isHopByHop(f.getHeader()) && f.getHeader() != HttpHeader.CONTENT_LENGTH) {
                out.add(f);
            }
        }
        return out.size() == 0 ? null : out;
    }

    /** Header names listed in {@code Connection} (lower case); empty set when none. */
    public static Set<String> connectionTokens(HttpFields fields) {
        Set<String> tokens = null;
        for (HttpField f : fields) {
            if (f.getHeader() == HttpHeader.CONNECTION) {
                for (String t : f.getValue().split(",")) {
                    String name = t.trim().toLowerCase(Locale.ROOT);
                    if (!name.isEmpty() && !name.equals("close") && !name.equals("keep-alive")) {
                        if (tokens == null) {
                            tokens = new HashSet<>();
                        }
                        tokens.add(name);
                    }
                }
            }
        }
        return tokens == null ? Set.of() : tokens;
    }
}
