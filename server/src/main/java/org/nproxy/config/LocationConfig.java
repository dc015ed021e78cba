package org.nproxy.config;

import org.nproxy.spi.Origin;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@code <location path="...">}: a URI pattern with nginx's modifier, and the handler chain
 * built from its child elements in order.
 *
 * @param path     as written, e.g. {@code ^~ /assets/}
 * @param modifier how {@link #pattern} matches
 * @param regex    compiled pattern for {@code ~} and {@code ~*}, else null
 */
public record LocationConfig(String path, Modifier modifier, String pattern, Pattern regex,
                             List<HandlerConfig> handlers, Origin origin) {
    /** nginx's location modifiers. */
    public enum Modifier {
        /** {@code = /path}: this URI only; wins over everything. */
        EXACT("="),
        /** {@code /path}: longest prefix, unless a regex matches. */
        PREFIX(""),
        /** {@code ^~ /path}: longest prefix that, when it is the longest, skips the regexes. */
        PREFIX_NO_REGEX("^~"),
        /** {@code ~ regex}: case-sensitive, first match in file order. */
        REGEX("~"),
        /** {@code ~* regex}: case-insensitive. */
        REGEX_CASELESS("~*");

        public final String symbol;

        Modifier(String symbol) {
            this.symbol = symbol;
        }
    }

    public LocationConfig {
        handlers = List.copyOf(handlers);
    }

    /** A short name for logs: the path as written. */
    public String label() {
        return path;
    }
}
