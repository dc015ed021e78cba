package org.nproxy.upstream.forward;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Transfer codings of a peer's answer other than {@code chunked} (RFC 9112 section 6.1), which a
 * proxy relays to an HTTP/1.1 client with the body bytes untouched.
 *
 * <p>Jetty 12.0.30's client parser refuses an answer whose {@code Transfer-Encoding} does not end
 * in {@code chunked} (RFC 9112 section 6.3 rule 4: the body runs to the close of the connection).
 * The pool clients' end point therefore rewrites such a head before Jetty parses it, in place and
 * keeping its length: the {@code Transfer-Encoding} field is renamed {@link #RENAMED}, which leaves
 * the answer close-delimited to Jetty (read to the close, the connection not reused), and every
 * {@code Content-Length} beside a {@code Transfer-Encoding} (RFC 9112 section 6.3 rule 3: the
 * transfer coding wins) is renamed {@link #IGNORED}. A field a peer itself sends under one of these
 * names is renamed {@link #IGNORED} too, so only the end point's rewriting produces them. Both are
 * dropped on the way to the client: {@link #isInternal}.
 */
public final class TransferCodings {
    /** The name a non-{@code chunked}-last {@code Transfer-Encoding} gets (17 characters, like the original). */
    public static final String RENAMED = "Nproxy-TE-Codings";
    /** The name of a neutralised field: a {@code Content-Length} (14 characters, like it) or a spoofed {@link #RENAMED}. */
    public static final String IGNORED = "Nproxy-Ignored";
    /** A spoofed {@link #RENAMED} becomes this (17 characters). */
    public static final String IGNORED_LONG = "Nproxy-Ignored-TE";

    private TransferCodings() {
    }

    /** True for the field names the end point's rewriting produces: never sent on. */
    public static boolean isInternal(HttpField f) {
        String name = f.getName();
        return name.equalsIgnoreCase(RENAMED) || name.equalsIgnoreCase(IGNORED) || name.equalsIgnoreCase(IGNORED_LONG);
    }

    /**
     * The answer's transfer codings in order, lower case, {@code chunked} included where it was
     * not last (from {@link #RENAMED}), the final {@code chunked} that Jetty decoded excluded.
     * Empty for a body that Jetty decoded completely (plain, or only {@code chunked}).
     */
    public static List<String> undecoded(HttpFields upstreamToProxyHeaders) {
        List<String> out = new ArrayList<>(1);
        for (HttpField f : upstreamToProxyHeaders) {
            boolean renamed = f.getName().equalsIgnoreCase(RENAMED);
            if (!renamed && f.getHeader() != HttpHeader.TRANSFER_ENCODING) {
                continue;
            }
            for (String t : f.getValue().split(",")) {
                String coding = t.trim().toLowerCase(Locale.ROOT);
                if (!coding.isEmpty()) {
                    out.add(coding);
                }
            }
        }
        if (!out.isEmpty() && out.get(out.size() - 1).equals("chunked")) {
            out.remove(out.size() - 1); // what Jetty's parser took off
        }
        return out;
    }
}
