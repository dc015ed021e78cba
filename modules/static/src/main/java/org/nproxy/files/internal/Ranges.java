package org.nproxy.files.internal;

import java.util.ArrayList;
import java.util.List;

/** {@code Range: bytes=...} parsing (RFC 9110 section 14). */
public final class Ranges {
    /** At most this many ranges; more is treated as no Range at all (a full 200), like nginx. */
    static final int MAX_RANGES = 32;

    /** An inclusive byte range. */
    public record Range(long first, long last) {
        public long length() {
            return last - first + 1;
        }
    }

    private Ranges() {
    }

    /**
     * The satisfiable ranges of {@code header} for a representation of {@code size} bytes:
     * null when the header is not a byte range set we understand (serve the whole file), an
     * empty list when nothing is satisfiable (416).
     */
    public static List<Range> parse(String header, long size) {
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String[] specs = h.substring(6).split(",");
        if (specs.length > MAX_RANGES) {
            return null;
        }
        List<Range> ranges = new ArrayList<>();
        for (String raw : specs) {
            String spec = raw.trim();
            if (spec.isEmpty()) {
                continue;
            }
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return null;
            }
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            try {
                if (a.isEmpty()) {
                    long suffix = digits(b);
                    if (suffix > 0 && size > 0) {
                        ranges.add(new Range(Math.max(0, size - suffix), size - 1));
                    }
                    continue;
                }
                long first = digits(a);
                long last = b.isEmpty() ? Long.MAX_VALUE : digits(b);
                if (last < first) {
                    return null;
                }
                if (first < size) {
                    ranges.add(new Range(first, Math.min(last, size - 1)));
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return ranges;
    }

    private static long digits(String s) {
        // ASCII only: Character.isDigit and Long.parseLong also take other scripts' digits (RangesPropertyTest).
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new NumberFormatException(s);
        }
        return Long.parseLong(s);
    }
}
