package org.nproxy.spi;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations and sizes as operators write them, with nginx's units.
 * <ul>
 *   <li>Durations: {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}, combined as
 *       {@code 1m30s}; a bare number means seconds (as in nginx).</li>
 *   <li>Sizes: {@code 512}, {@code 64k}, {@code 8m}, {@code 1g} (powers of 1024; {@code kb},
 *       {@code KiB} are accepted too).</li>
 * </ul>
 */
public final class Units {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)(k|m|g|t|kb|mb|gb|tb|kib|mib|gib|tib|b)?");

    public static final String DURATION_HINT = "a duration such as 250ms, 10s, 5m, 1h or 1m30s";
    public static final String SIZE_HINT = "a size such as 512, 64k, 8m or 1g";

    private Units() {
    }

    /** Parses a duration, or throws {@link IllegalArgumentException} naming the accepted forms. */
    public static Duration duration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        Matcher m = DURATION_PART.matcher(s);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("'" + text + "' is not a duration");
            }
            try {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            } catch (ArithmeticException e) {
                // Found by UnitsProperties: "9223372036854775807d" overflowed Duration.
                throw new IllegalArgumentException("'" + text + "' is too long a duration", e);
            }
            at = m.end();
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        return total;
    }

    /** Parses a size in bytes, or throws {@link IllegalArgumentException}. */
    public static long size(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).substring(0, 1);
        int shift = switch (unit) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return n << shift;
    }

    /** Formats a duration back in the shortest unit that is exact, e.g. {@code 1500ms}, {@code 30s}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s != 0 && s % 3600 == 0) {
            return (s / 3600) + "h";
        }
        if (s != 0 && s % 60 == 0) {
            return (s / 60) + "m";
        }
        return s + "s";
    }

    /**
     * Nanoseconds as seconds with millisecond resolution, as nginx writes times in logs
     * ({@code 0.042}, {@code 1.500}); negative values count as 0.
     */
    public static String seconds(long nanos) {
        long millis = Math.max(0, nanos) / 1_000_000;
        long frac = millis % 1000;
        return (millis / 1000) + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac;
    }
}
