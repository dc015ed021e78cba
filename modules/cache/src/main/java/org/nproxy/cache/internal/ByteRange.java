package org.nproxy.cache.internal;

import org.nproxy.cache.policy.Headers;

/**
 * A single byte range of a {@code Range} request (RFC 9110 §14.2) over a stored body of known
 * length. Several ranges, other units or a failed {@code If-Range} are ignored (the whole body is
 * sent, which §14.2 allows); a range that starts past the end is unsatisfiable (416).
 *
 * @param first first byte offset, inclusive
 * @param last  last byte offset, inclusive
 */
public record ByteRange(long first, long last) {
    /** The marker of an unsatisfiable range. */
    public static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    public long length() {
        return last - first + 1;
    }

    /**
     * The range to serve, null for the whole body.
     *
     * @param request the request's fields (Range, If-Range)
     * @param stored  the stored response's fields (ETag, Last-Modified)
     */
    public static ByteRange of(Headers request, Headers stored, long length) {
        String range = request.get("Range");
        if (range == null || !ifRangeHolds(request.get("If-Range"), stored)) {
            return null;
        }
        String r = range.trim();
        if (!r.regionMatches(true, 0, "bytes=", 0, 6) || r.indexOf(',') >= 0) {
            return null;
        }
        String spec = r.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) { // suffix: the last N bytes
                long n = Long.parseLong(b);
                if (n == 0) {
                    return UNSATISFIABLE;
                }
                return length == 0 ? UNSATISFIABLE : new ByteRange(Math.max(0, length - n), length - 1);
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
            if (first >= length) {
                return UNSATISFIABLE;
            }
            return last < first ? null : new ByteRange(first, last);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** §13.1.5: If-Range with a strong ETag equal to the stored one, or the exact Last-Modified date. */
    private static boolean ifRangeHolds(String ifRange, Headers stored) {
        if (ifRange == null) {
            return true;
        }
        String v = ifRange.trim();
        if (v.startsWith("\"")) {
            String etag = stored.get("ETag");
            return etag != null && etag.trim().equals(v);
        }
        if (v.startsWith("W/")) {
            return false;
        }
        var date = Headers.of("d", v).date("d");
        return date.isPresent() && date.equals(stored.date("Last-Modified"));
    }
}
