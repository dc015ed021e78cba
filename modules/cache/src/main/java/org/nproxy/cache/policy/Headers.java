package org.nproxy.cache.policy;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * An immutable list of header fields in their order, with case-insensitive look-ups: what the
 * policy reads of requests and responses, free of any server type.
 *
 * <pre>{@code
 * Headers h = Headers.of("Cache-Control", "max-age=60", "Vary", "Accept-Language");
 * h.get("cache-control");          // "max-age=60"
 * h.tokens("Vary");                // ["accept-language"]
 * }</pre>
 */
public record Headers(List<Field> fields) {
    /** One field line. */
    public record Field(String name, String value) {
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    public static final Headers EMPTY = new Headers(List.of());

    public Headers {
        fields = List.copyOf(fields);
    }

    /** Alternating names and values. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("expected name, value pairs");
        }
        List<Field> list = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            list.add(new Field(namesAndValues[i], namesAndValues[i + 1]));
        }
        return new Headers(list);
    }

    public boolean contains(String name) {
        return fields.stream().anyMatch(f -> f.name.equalsIgnoreCase(name));
    }

    /** Every field line of this name, joined with ", " (RFC 9110 §5.3); null when absent. */
    public String get(String name) {
        String joined = null;
        for (Field f : fields) {
            if (f.name.equalsIgnoreCase(name)) {
                joined = joined == null ? f.value : joined + ", " + f.value;
            }
        }
        return joined;
    }

    /** The comma-separated list elements of a field, trimmed and lower-cased, empty ones dropped. */
    public List<String> tokens(String name) {
        String v = get(name);
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String t : v.split(",")) {
                String s = t.trim().toLowerCase(Locale.ROOT);
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** A copy without the fields named (case-insensitive). */
    public Headers without(Collection<String> names) {
        Set<String> lower = new java.util.HashSet<>();
        names.forEach(n -> lower.add(n.toLowerCase(Locale.ROOT)));
        return new Headers(fields.stream().filter(f -> !lower.contains(f.name.toLowerCase(Locale.ROOT))).toList());
    }

    /** A copy with every field of this name replaced by one line (or removed when value is null). */
    public Headers with(String name, String value) {
        List<Field> out = new ArrayList<>(without(List.of(name)).fields);
        if (value != null) {
            out.add(new Field(name, value));
        }
        return new Headers(out);
    }

    /** An HTTP-date field in epoch milliseconds; empty when absent or not a date. */
    public OptionalLong date(String name) {
        String v = get(name);
        if (v == null) {
            return OptionalLong.empty();
        }
        return parseDate(v.trim());
    }

    private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

    /**
     * An HTTP-date in epoch milliseconds: the IMF-fixdate every sender must use ({@code Sun, 06
     * Nov 1994 08:49:37 GMT}) read directly, other RFC 1123 forms through java.time.
     */
    static OptionalLong parseDate(String v) {
        if (v.length() == 29 && v.charAt(3) == ',' && v.charAt(4) == ' ' && v.endsWith(" GMT")) {
            int month = MONTHS.indexOf(v.substring(8, 11));
            int day = digits(v, 5, 2);
            int year = digits(v, 12, 4);
            int hour = digits(v, 17, 2);
            int minute = digits(v, 20, 2);
            int second = digits(v, 23, 2);
            if (month >= 0 && month % 3 == 0 && day >= 1 && day <= 31 && year >= 0 && hour >= 0 && hour <= 23
                && minute >= 0 && minute <= 59 && second >= 0
                && second <= 59 && v.charAt(7) == ' ' && v.charAt(11) == ' ' && v.charAt(16) == ' '
                && v.charAt(19) == ':' && v.charAt(22) == ':') {
                try {
                    long days = java.time.LocalDate.of(year, month / 3 + 1, day).toEpochDay();
                    return OptionalLong.of(((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L);
                } catch (java.time.DateTimeException e) {
                    return OptionalLong.empty();
                }
            }
        }
        try {
            return OptionalLong.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli());
        } catch (DateTimeParseException e) {
            return OptionalLong.empty();
        }
    }

    /** The decimal number of {@code n} digits at {@code at}, or -1. */
    private static int digits(String s, int at, int n) {
        int value = 0;
        for (int i = at; i < at + n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** IMF-fixdate (RFC 9110 §5.6.7): a two-digit day, unlike java.time's RFC_1123_DATE_TIME. */
    private static final DateTimeFormatter IMF_FIXDATE =
        DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    /** Formats epoch milliseconds as an IMF-fixdate. */
    public static String formatDate(long epochMillis) {
        return IMF_FIXDATE.format(java.time.Instant.ofEpochMilli(epochMillis));
    }
}
