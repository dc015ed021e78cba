package org.nproxy.cache.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.nproxy.cache.policy.Headers;

/**
 * A byte range of a {@code Range} request (RFC 9110 §14.2) over a stored body of known length.
 * {@link #parse} reads the whole header: one or several ranges (the latter answered as
 * {@code multipart/byteranges}, §14.6), overlapping or adjacent ones coalesced as §14.2 allows.
 * Other units, a syntax error or a failed {@code If-Range} mean the whole body (which §14.2
 * allows); a set of ranges none of which is satisfiable is answered 416.
 *
 * @param first first byte offset, inclusive
 * @param last  last byte offset, inclusive
 */
public record ByteRange(long first, long last) {
    /** The marker of an unsatisfiable range. */
    public static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);
    /** The most ranges answered as such; more (a known amplification trick) get the whole body. */
    static final int MAX_RANGES = 32;

    public long length() {
        return last - first + 1;
    }

    /**
     * The range to serve when the request asks for exactly one (after coalescing), null for the
     * whole body: the single-range view of {@link #parse}.
     */
    public static ByteRange of(Headers request, Headers stored, long length) {
        List<ByteRange> ranges = parse(request, stored, length);
        return ranges == null || ranges.size() != 1 ? null : ranges.get(0);
    }

    /**
     * The ranges to serve: null for the whole body, {@code [UNSATISFIABLE]} for a 416, else one or
     * more ranges in the order asked (sorted when some had to be coalesced).
     *
     * @param request the request's fields (Range, If-Range)
     * @param stored  the stored response's fields (ETag, Last-Modified)
     */
    public static List<ByteRange> parse(Headers request, Headers stored, long length) {
        String range = request.get("Range");
        if (range == null || !ifRangeHolds(request.get("If-Range"), stored)) {
            return null;
        }
        String r = range.trim();
        if (!r.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String[] specs = r.substring(6).split(",", -1);
        if (specs.length > MAX_RANGES) {
            return null;
        }
        List<ByteRange> out = new ArrayList<>(specs.length);
        boolean any = false;
        for (String s : specs) {
            String spec = s.trim();
            if (spec.isEmpty()) {
                continue; // §5.6.1: empty list elements are ignored
            }
            any = true;
            ByteRange one = one(spec, length);
            if (one == null) {
                return null; // a syntax error: the whole Range is ignored
            }
            if (one != UNSATISFIABLE) {
                out.add(one);
            }
        }
        if (!any) {
            return null;
        }
        if (out.isEmpty()) {
            return List.of(UNSATISFIABLE);
        }
        return coalesce(out);
    }

    /** One range-spec: a range, {@link #UNSATISFIABLE}, or null for a syntax error. */
    private static ByteRange one(String spec, long length) {
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        if (!a.chars().allMatch(Character::isDigit) || !b.chars().allMatch(Character::isDigit)
            || (a.isEmpty() && b.isEmpty()) || a.length() > 18 || b.length() > 18) {
            return null;
        }
        if (a.isEmpty()) { // suffix: the last N bytes
            long n = Long.parseLong(b);
            return n == 0 || length == 0 ? UNSATISFIABLE : new ByteRange(Math.max(0, length - n), length - 1);
        }
        long first = Long.parseLong(a);
        if (!b.isEmpty() && Long.parseLong(b) < first) {
            return null; // §14.1.1: invalid
        }
        if (first >= length) {
            return UNSATISFIABLE;
        }
        long last = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
        return new ByteRange(first, last);
    }

    /** Ranges that overlap or touch merged (then in offset order); otherwise as asked. */
    private static List<ByteRange> coalesce(List<ByteRange> ranges) {
        if (ranges.size() == 1) {
            return ranges;
        }
        List<ByteRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(ByteRange::first));
        List<ByteRange> merged = new ArrayList<>();
        for (ByteRange x : sorted) {
            ByteRange top = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (top != null && x.first() <= top.last() + 1) {
                merged.set(merged.size() - 1, new ByteRange(top.first(), Math.max(top.last(), x.last())));
            } else {
                merged.add(x);
            }
        }
        return merged.size() == ranges.size() ? ranges : merged;
    }

    /**
     * §13.1.5: If-Range with a strong ETag equal to the stored one (strong comparison), or an
     * HTTP-date exactly equal to a stored Last-Modified that is strong (at least a second before
     * the stored Date, §8.8.2.2).
     */
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
        var lastModified = stored.date("Last-Modified");
        if (date.isEmpty() || !date.equals(lastModified)) {
            return false;
        }
        var responseDate = stored.date("Date");
        return responseDate.isEmpty() || responseDate.getAsLong() - lastModified.getAsLong() >= 1000;
    }
}
