package org.nproxy.cache.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A targeted cache-control field (RFC 9213): {@code CDN-Cache-Control} or a name of the operator's
 * choosing, parsed as the Dictionary Structured Field it is (§2.2, RFC 8941 §3.2 and §4.2.2) and
 * mapped to the same directives as {@code Cache-Control}: a Boolean {@code true} is a directive
 * without argument ({@code false} leaves it out), an Integer or Decimal its digits, a String its
 * content, a Token its text, an Inner List its members joined by commas (field names of
 * {@code private} / {@code no-cache}); parameters are ignored. A field that does not parse, or is
 * empty, is invalid: §2.1 says the cache then behaves as if it were not there.
 *
 * <pre>{@code
 * TargetedField.parse("max-age=60, must-revalidate");   // max-age "60", must-revalidate ""
 * TargetedField.parse("Max-Age=60");                    // null: keys are lower case
 * }</pre>
 */
public final class TargetedField {
    /** The targeted field every cache of this kind obeys unless configured otherwise (RFC 9213 §3). */
    public static final List<String> DEFAULT = List.of("CDN-Cache-Control");

    private final String s;
    private int i;

    private TargetedField(String s) {
        this.s = s;
    }

    /**
     * §2.1: the directives of the first of {@code names} (in priority order) that {@code response}
     * carries with a valid, non-empty value, or null when there is none (then {@code Cache-Control}
     * and {@code Expires} apply).
     */
    public static CacheControl select(Headers response, List<String> names) {
        for (String name : names) {
            CacheControl cc = parse(response.get(name));
            if (cc != null) {
                return cc;
            }
        }
        return null;
    }

    /** The directives of one field value; null when it is absent, empty or not a valid Dictionary. */
    public static CacheControl parse(String value) {
        if (value == null) {
            return null;
        }
        try {
            Map<String, String> out = new TargetedField(value).dictionary();
            return out.isEmpty() ? null : new CacheControl(out);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** RFC 8941 §4.2.2: members separated by commas, optional white space around them. */
    private Map<String, String> dictionary() {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> seen = new LinkedHashMap<>();
        skip(' ', '\t');
        if (i == s.length()) {
            return out; // an empty field
        }
        while (true) {
            String key = key();
            String value = "";
            boolean present = true;
            if (i < s.length() && s.charAt(i) == '=') {
                i++;
                if (i < s.length() && s.charAt(i) == '(') {
                    value = innerList();
                } else {
                    Object item = bareItem();
                    present = !Boolean.FALSE.equals(item);
                    value = item instanceof Boolean ? "" : (String) item;
                }
            }
            parameters();
            // §4.2.2: a key seen twice keeps its last value (and its first position)
            seen.put(key, present ? value : null);
            skip(' ', '\t');
            if (i == s.length()) {
                break;
            }
            expect(',');
            skip(' ', '\t');
            if (i == s.length()) {
                throw new IllegalArgumentException("trailing comma");
            }
        }
        seen.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    private String innerList() {
        expect('(');
        StringBuilder joined = new StringBuilder();
        while (true) {
            skip(' ');
            if (i < s.length() && s.charAt(i) == ')') {
                i++;
                parameters();
                return joined.toString();
            }
            Object item = bareItem();
            parameters();
            if (!joined.isEmpty()) {
                joined.append(", ");
            }
            joined.append(item instanceof Boolean b ? (b ? "?1" : "?0") : item);
            if (i < s.length() && s.charAt(i) != ' ' && s.charAt(i) != ')') {
                throw new IllegalArgumentException("inner list");
            }
        }
    }

    /** §4.2.3.2: {@code ;key[=bare-item]}, read and dropped. */
    private void parameters() {
        while (i < s.length() && s.charAt(i) == ';') {
            i++;
            skip(' ');
            key();
            if (i < s.length() && s.charAt(i) == '=') {
                i++;
                bareItem();
            }
        }
    }

    /** §4.2.3.3: lcalpha or "*", then lcalpha, digits, "_", "-", "." or "*". */
    private String key() {
        int start = i;
        if (i == s.length() || !(lcalpha(s.charAt(i)) || s.charAt(i) == '*')) {
            throw new IllegalArgumentException("key");
        }
        i++;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (!(lcalpha(c) || digit(c) || c == '_' || c == '-' || c == '.' || c == '*')) {
                break;
            }
            i++;
        }
        return s.substring(start, i);
    }

    /** §4.2.3.1: Integer or Decimal, String, Token, Byte Sequence or Boolean; a Boolean as itself, the rest as text. */
    private Object bareItem() {
        if (i == s.length()) {
            throw new IllegalArgumentException("item");
        }
        char c = s.charAt(i);
        if (c == '-' || digit(c)) {
            return number();
        }
        if (c == '"') {
            return string();
        }
        if (c == '?') {
            i++;
            if (i < s.length() && (s.charAt(i) == '0' || s.charAt(i) == '1')) {
                return s.charAt(i++) == '1';
            }
            throw new IllegalArgumentException("boolean");
        }
        if (c == ':') {
            int end = s.indexOf(':', i + 1);
            if (end < 0 || !s.substring(i + 1, end).matches("[A-Za-z0-9+/=]*")) {
                throw new IllegalArgumentException("byte sequence");
            }
            String bytes = s.substring(i, end + 1);
            i = end + 1;
            return bytes;
        }
        if (Character.isLetter(c) && c < 128 || c == '*') {
            int start = i++;
            while (i < s.length() && (tchar(s.charAt(i)) || s.charAt(i) == ':' || s.charAt(i) == '/')) {
                i++;
            }
            return s.substring(start, i);
        }
        throw new IllegalArgumentException("item");
    }

    /** §4.2.4: at most 15 digits, or 12 + "." + at most 3. */
    private String number() {
        int start = i;
        if (s.charAt(i) == '-') {
            i++;
        }
        int digits = 0;
        int dot = -1;
        while (i < s.length() && (digit(s.charAt(i)) || (s.charAt(i) == '.' && dot < 0))) {
            if (s.charAt(i) == '.') {
                dot = digits;
            } else {
                digits++;
            }
            i++;
        }
        boolean integerOk = dot < 0 && digits >= 1 && digits <= 15;
        boolean decimalOk = dot >= 1 && dot <= 12 && digits - dot >= 1 && digits - dot <= 3;
        if (!integerOk && !decimalOk) {
            throw new IllegalArgumentException("number");
        }
        return s.substring(start, i);
    }

    /** §4.2.5: printable ASCII between quotes, {@code \"} and {@code \\} the only escapes. */
    private String string() {
        StringBuilder sb = new StringBuilder();
        i++;
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '\\') {
                if (i == s.length() || (s.charAt(i) != '"' && s.charAt(i) != '\\')) {
                    throw new IllegalArgumentException("escape");
                }
                sb.append(s.charAt(i++));
            } else if (c == '"') {
                return sb.toString();
            } else if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("string");
            } else {
                sb.append(c);
            }
        }
        throw new IllegalArgumentException("unterminated string");
    }

    private void expect(char c) {
        if (i == s.length() || s.charAt(i) != c) {
            throw new IllegalArgumentException("expected " + c);
        }
        i++;
    }

    private void skip(char a, char... more) {
        outer:
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == a) {
                i++;
                continue;
            }
            for (char m : more) {
                if (c == m) {
                    i++;
                    continue outer;
                }
            }
            break;
        }
    }

    private static boolean lcalpha(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    /** RFC 9110 §5.6.2 tchar. */
    static boolean tchar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }
}
