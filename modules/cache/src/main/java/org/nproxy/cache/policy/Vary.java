package org.nproxy.cache.policy;

import java.util.List;
import java.util.Locale;

/**
 * RFC 9111 §4.1: a stored response with {@code Vary} answers only requests whose listed header
 * fields match those of the request that produced it. Variants are told apart by a key made of
 * the normalized values of the listed request fields.
 */
public final class Vary {
    private static final String ABSENT = "\u0000";

    private Vary() {
    }

    /** The field names listed in the response's Vary, lower-cased and sorted; ["*"] for {@code *}. */
    public static List<String> names(Headers response) {
        List<String> tokens = response.tokens("Vary");
        if (tokens.contains("*")) {
            return List.of("*");
        }
        return tokens.stream().distinct().sorted().toList();
    }

    /** §4.1: {@code Vary: *} always fails to match; such a response is never served. */
    public static boolean isStar(Headers response) {
        return response.tokens("Vary").contains("*");
    }

    /**
     * The variant key of a request for these Vary names: each field's value combined over its
     * lines, with whitespace around commas and case folded (§4.1 allows such normalization), the
     * elements of Accept-Encoding in sorted order, an
     * absent field distinct from an empty one. "" when nothing varies.
     */
    public static String key(List<String> names, Headers request) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            String v = request.get(n);
            sb.append(n).append('=').append(v == null ? ABSENT : normalize(n, v)).append('\n');
        }
        return sb.toString();
    }

    static String normalize(String value) {
        return value.trim().replaceAll("\\s*,\\s*", ",").replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /**
     * As {@link #normalize(String)}; for fields whose list order means nothing (Accept-Encoding:
     * preference is by q-value, RFC 9110 §12.5.3) the elements are sorted too.
     */
    static String normalize(String name, String value) {
        String v = normalize(value);
        if (name.equalsIgnoreCase("accept-encoding") && v.indexOf(',') >= 0) {
            return java.util.Arrays.stream(v.split(",")).filter(e -> !e.isEmpty()).sorted()
                .collect(java.util.stream.Collectors.joining(","));
        }
        return v;
    }
}
