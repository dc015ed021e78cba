package org.nproxy.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A string with nginx-style {@code $variables} ({@code $host}, {@code ${request_uri}}), parsed
 * once and rendered per request. A {@code $} not followed by a name stays literal; {@code $$}
 * is a literal dollar.
 *
 * <pre>{@code
 * Template t = Template.parse("https://$host$request_uri");
 * String url = t.render(name -> RequestVariables.get(request, name));
 * }</pre>
 */
public final class Template {
    private final List<Object> parts; // String literal, or Var

    private record Var(String name) {
    }

    private Template(List<Object> parts) {
        this.parts = parts;
    }

    public static Template parse(String text) {
        Objects.requireNonNull(text, "text");
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 >= text.length()) {
                literal.append(c);
                i++;
                continue;
            }
            char next = text.charAt(i + 1);
            if (next == '$') {
                literal.append('$');
                i += 2;
                continue;
            }
            int start;
            int end;
            int resume;
            if (next == '{') {
                start = i + 2;
                end = text.indexOf('}', start);
                if (end < 0) {
                    literal.append(c);
                    i++;
                    continue;
                }
                resume = end + 1;
            } else {
                start = i + 1;
                end = start;
                while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
                    end++;
                }
                resume = end;
            }
            if (end == start) {
                literal.append(c);
                i++;
                continue;
            }
            if (!literal.isEmpty()) {
                parts.add(literal.toString());
                literal.setLength(0);
            }
            parts.add(new Var(text.substring(start, end)));
            i = resume;
        }
        if (!literal.isEmpty()) {
            parts.add(literal.toString());
        }
        return new Template(List.copyOf(parts));
    }

    /** True when the text has no variable: it renders the same for every request. */
    public boolean isConstant() {
        return parts.stream().allMatch(p -> p instanceof String);
    }

    /** Renders with a lookup; a variable the lookup returns null for renders as "" . */
    public String render(Function<String, String> lookup) {
        StringBuilder out = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof String s) {
                out.append(s);
            } else {
                String v = lookup.apply(((Var) p).name());
                if (v != null) {
                    out.append(v);
                }
            }
        }
        return out.toString();
    }
}
