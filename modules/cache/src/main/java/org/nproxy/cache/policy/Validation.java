package org.nproxy.cache.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

/**
 * RFC 9111 §4.3: validating a stored response with the origin, updating it from a 304, and
 * answering a client's own conditional request from the cache (RFC 9110 §13.1.1, §13.1.3).
 */
public final class Validation {
    /** §3.2: fields a 304 never replaces in the stored response. */
    private static final Set<String> KEPT = Set.of("content-length", "connection", "keep-alive", "proxy-connection",
        "te", "transfer-encoding", "upgrade", "content-encoding", "content-range");

    private Validation() {
    }

    /** Whether the stored response has a validator to send (ETag or Last-Modified). */
    public static boolean hasValidator(Headers stored) {
        return stored.contains("ETag") || stored.date("Last-Modified").isPresent();
    }

    /**
     * §4.3.1: the request to send upstream to validate the stored response: the client's fields
     * without its own preconditions, plus {@code If-None-Match} with the stored entity tag and
     * {@code If-Modified-Since} with the stored {@code Last-Modified}.
     */
    public static Headers conditional(Headers request, Headers stored) {
        Headers out = request.without(List.of("If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since",
            "If-Range", "Range"));
        String etag = stored.get("ETag");
        if (etag != null) {
            out = out.with("If-None-Match", etag);
        }
        String lastModified = stored.get("Last-Modified");
        if (lastModified != null && stored.date("Last-Modified").isPresent()) {
            out = out.with("If-Modified-Since", lastModified);
        }
        return out;
    }

    /**
     * §4.3.4: whether a 304 selects this stored response: its strong entity tag when the 304 has
     * one, else its Last-Modified when the 304 has one, else (no validator in the 304) yes.
     */
    public static boolean selects(Headers stored, Headers notModified) {
        String etag = notModified.get("ETag");
        if (etag != null && !etag.trim().startsWith("W/")) {
            return etag.trim().equals(stored.get("ETag") == null ? null : stored.get("ETag").trim());
        }
        OptionalLong lm = notModified.date("Last-Modified");
        if (lm.isPresent()) {
            return lm.equals(stored.date("Last-Modified"));
        }
        return true;
    }

    /** §4.3.4, §3.2: the stored fields, with every field the 304 carries replacing its namesakes. */
    public static Headers freshen(Headers stored, Headers notModified) {
        List<String> replaced = new ArrayList<>();
        List<Headers.Field> added = new ArrayList<>();
        for (Headers.Field f : notModified.fields()) {
            String lower = f.name().toLowerCase(Locale.ROOT);
            if (!KEPT.contains(lower)) {
                replaced.add(lower);
                added.add(f);
            }
        }
        List<Headers.Field> out = new ArrayList<>(stored.without(replaced).fields());
        out.addAll(added);
        return new Headers(out);
    }

    /**
     * RFC 9110 §13.1.2, §13.1.3, §13.2.2: whether a GET or HEAD with its own preconditions is
     * answered 304 from this stored 200: If-None-Match by weak comparison, else If-Modified-Since
     * against Last-Modified.
     */
    public static boolean clientNotModified(String method, Headers request, int storedStatus, Headers stored) {
        if (storedStatus != 200 || !(method.equals("GET") || method.equals("HEAD"))) {
            return false;
        }
        String inm = request.get("If-None-Match");
        if (inm != null) {
            String etag = stored.get("ETag");
            if (etag == null) {
                return false;
            }
            String mine = weak(etag);
            for (String candidate : inm.split(",")) {
                String c = candidate.trim();
                if (c.equals("*") || weak(c).equals(mine)) {
                    return true;
                }
            }
            return false;
        }
        OptionalLong ims = request.date("If-Modified-Since");
        OptionalLong lm = stored.date("Last-Modified");
        return ims.isPresent() && lm.isPresent() && lm.getAsLong() <= ims.getAsLong();
    }

    private static String weak(String etag) {
        String t = etag.trim();
        return t.startsWith("W/") ? t.substring(2) : t;
    }
}
