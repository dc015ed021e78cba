package org.nproxy.config.internal;

import java.util.Map;
import java.util.function.Consumer;

import org.nproxy.config.ConfigError;
import org.nproxy.spi.Origin;

/**
 * Replaces {@code ${name}} and {@code ${name:default}} in configuration text. Values come from
 * system properties ({@code -Dname=...}) first, then {@code etc/nproxy.properties}. A
 * {@code $} that does not start {@code ${} is left alone (so {@code $host} variables survive).
 */
public final class Substitutor {
    private final Map<String, String> properties;

    public Substitutor(Map<String, String> properties) {
        this.properties = properties;
    }

    /** The substituted text, or null after reporting an undefined or malformed reference. */
    public String substitute(String value, Origin at, Consumer<ConfigError> errors) {
        int start = value.indexOf("${");
        if (start < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        boolean failed = false;
        int pos = 0;
        while (start >= 0) {
            out.append(value, pos, start);
            int end = value.indexOf('}', start);
            if (end < 0) {
                errors.accept(new ConfigError(at, "unclosed '${' in \"" + value + "\"", "${name} or ${name:default}"));
                return null;
            }
            String expr = value.substring(start + 2, end);
            int colon = expr.indexOf(':');
            String name = colon < 0 ? expr : expr.substring(0, colon);
            String resolved = System.getProperty(name, properties.get(name));
            if (resolved == null) {
                if (colon >= 0) {
                    resolved = expr.substring(colon + 1);
                } else {
                    errors.accept(new ConfigError(at, "undefined property '" + name + "'",
                        "a line '" + name + "=...' in nproxy.properties, -D" + name + "=..., or ${" + name + ":default}"));
                    failed = true;
                    resolved = "";
                }
            }
            out.append(resolved);
            pos = end + 1;
            start = value.indexOf("${", pos);
        }
        out.append(value.substring(pos));
        return failed ? null : out.toString();
    }
}
