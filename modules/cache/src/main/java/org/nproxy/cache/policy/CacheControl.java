package org.nproxy.cache.policy;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Parsed cache directives of one field ({@code Cache-Control} or {@code CDN-Cache-Control}),
 * RFC 9111 §5.2: names lower-cased, quoted values unquoted. The first occurrence of a directive
 * wins; a delta-seconds value that is not a number reads as 0 (§1.2.2: a recipient treats an
 * invalid freshness value as stale), one that overflows as 2^31.
 *
 * <pre>{@code
 * CacheControl cc = CacheControl.parse("max-age=60, private=\"Set-Cookie\"");
 * cc.seconds("max-age");   // 60
 * cc.value("private");     // "Set-Cookie"
 * }</pre>
 */
public record CacheControl(Map<String, String> directives) {
    /** Directives without a value map to "" (present, no argument). */
    public CacheControl {
        directives = Map.copyOf(directives);
    }

    public static final CacheControl NONE = new CacheControl(Map.of());

    /** Parses a field value; null parses as no directives. */
    public static CacheControl parse(String value) {
        Map<String, String> out = new LinkedHashMap<>();
        if (value == null) {
            return NONE;
        }
        int i = 0;
        int n = value.length();
        while (i < n) {
            int start = i;
            while (i < n && value.charAt(i) != ',' && value.charAt(i) != '=') {
                i++;
            }
            String name = value.substring(start, i).trim().toLowerCase(Locale.ROOT);
            String arg = "";
            if (i < n && value.charAt(i) == '=') {
                i++;
                while (i < n && value.charAt(i) == ' ') {
                    i++;
                }
                if (i < n && value.charAt(i) == '"') {
                    StringBuilder sb = new StringBuilder();
                    i++;
                    while (i < n && value.charAt(i) != '"') {
                        if (value.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        sb.append(value.charAt(i++));
                    }
                    i++; // closing quote
                    arg = sb.toString();
                    while (i < n && value.charAt(i) != ',') {
                        i++;
                    }
                } else {
                    int s = i;
                    while (i < n && value.charAt(i) != ',') {
                        i++;
                    }
                    arg = value.substring(s, i).trim();
                }
            }
            i++; // the comma
            if (!name.isEmpty()) {
                out.putIfAbsent(name, arg);
            }
        }
        return new CacheControl(out);
    }

    public boolean has(String directive) {
        return directives.containsKey(directive);
    }

    public boolean isEmpty() {
        return directives.isEmpty();
    }

    /** The argument of a directive ("" when it has none), or null when absent. */
    public String value(String directive) {
        return directives.get(directive);
    }

    /** A delta-seconds argument; empty when the directive is absent. */
    public OptionalLong seconds(String directive) {
        String v = directives.get(directive);
        if (v == null) {
            return OptionalLong.empty();
        }
        if (!v.matches("\\d+")) {
            return OptionalLong.of(0);
        }
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            return OptionalLong.of(1L << 31); // §1.2.2: overflow reads as 2^31
        }
    }
}
