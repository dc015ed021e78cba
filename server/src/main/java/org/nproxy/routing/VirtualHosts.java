package org.nproxy.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Picks the virtual host for a request on one listener, in nginx's order:
 * <ol>
 *   <li>the exact name;</li>
 *   <li>the longest wildcard name starting with {@code *} ({@code *.example.com});</li>
 *   <li>the longest wildcard name ending with {@code *} ({@code www.example.*});</li>
 *   <li>the first regular expression ({@code ~^api\d+\.}) in configuration order;</li>
 *   <li>the listener's default server (marked {@code default="true"}, else the first).</li>
 * </ol>
 * {@code .example.com} is shorthand for {@code example.com} plus {@code *.example.com}.
 * Hosts are compared in lower case, without port and trailing dot. Immutable and thread-safe.
 *
 * @param <T> what a server block maps to at runtime
 */
public final class VirtualHosts<T> {
    private final Map<String, T> exact = new HashMap<>();
    private final List<Map.Entry<String, T>> leadingWildcards = new ArrayList<>();
    private final List<Map.Entry<String, T>> trailingWildcards = new ArrayList<>();
    private final List<Map.Entry<Pattern, T>> regexes = new ArrayList<>();
    private final T defaultServer;

    /**
     * @param servers       in configuration order
     * @param names         a server's names as written in {@code names}
     * @param isDefault     whether a server is marked default
     */
    public VirtualHosts(List<T> servers, Function<T, List<String>> names, Function<T, Boolean> isDefault) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("a listener needs at least one server");
        }
        T chosenDefault = null;
        for (T server : servers) {
            if (chosenDefault == null && isDefault.apply(server)) {
                chosenDefault = server;
            }
            for (String name : names.apply(server)) {
                if (name.startsWith("~")) {
                    regexes.add(Map.entry(Pattern.compile(name.substring(1)), server));
                } else if (name.startsWith("*.")) {
                    leadingWildcards.add(Map.entry(name.substring(1), server));
                } else if (name.startsWith(".")) {
                    exact.putIfAbsent(name.substring(1), server);
                    leadingWildcards.add(Map.entry(name, server));
                } else if (name.endsWith(".*")) {
                    trailingWildcards.add(Map.entry(name.substring(0, name.length() - 1), server));
                } else {
                    exact.putIfAbsent(name, server);
                }
            }
        }
        // Longest first; a stable sort keeps file order among equals.
        leadingWildcards.sort(Comparator.comparingInt((Map.Entry<String, T> e) -> e.getKey().length()).reversed());
        trailingWildcards.sort(Comparator.comparingInt((Map.Entry<String, T> e) -> e.getKey().length()).reversed());
        this.defaultServer = chosenDefault != null ? chosenDefault : servers.get(0);
    }

    public T defaultServer() {
        return defaultServer;
    }

    /** The server for this {@code Host} (or SNI name); the default one for null or no match. */
    public T select(String host) {
        String name = normalize(host);
        if (name == null) {
            return defaultServer;
        }
        T server = exact.get(name);
        if (server != null) {
            return server;
        }
        for (Map.Entry<String, T> e : leadingWildcards) {
            // ".example.com" suffix: matches a.example.com and a.b.example.com, never example.com
            if (name.endsWith(e.getKey()) && name.length() > e.getKey().length()) {
                return e.getValue();
            }
        }
        for (Map.Entry<String, T> e : trailingWildcards) {
            if (name.startsWith(e.getKey()) && name.length() > e.getKey().length()) {
                return e.getValue();
            }
        }
        for (Map.Entry<Pattern, T> e : regexes) {
            if (e.getKey().matcher(name).find()) {
                return e.getValue();
            }
        }
        return defaultServer;
    }

    /** Lower case, no port, no trailing dot; null when there is nothing left. */
    public static String normalize(String host) {
        if (host == null) {
            return null;
        }
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close > 0 ? h.substring(0, close + 1) : h;
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0 && colon == h.lastIndexOf(':')) {
                h = h.substring(0, colon);
            }
        }
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.isEmpty() ? null : h;
    }

    @Override
    public String toString() {
        return "VirtualHosts[default=" + Objects.toString(defaultServer) + "]";
    }
}
