package org.nproxy.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.nproxy.config.LocationConfig;
import org.nproxy.config.LocationConfig.Modifier;

/**
 * Chooses a server block's location for a (decoded, normalized) path with nginx's precedence:
 * <ol>
 *   <li>an {@code =} location equal to the path wins at once;</li>
 *   <li>the longest matching prefix is found; if it is a {@code ^~} location it wins;</li>
 *   <li>otherwise the regex locations ({@code ~}, {@code ~*}) are tried in file order and the
 *       first match wins;</li>
 *   <li>otherwise the longest prefix wins; with none, there is no location (404).</li>
 * </ol>
 * Immutable and thread-safe.
 *
 * @param <T> what a location maps to at runtime
 */
public final class Locations<T> {
    private final Map<String, T> exact = new HashMap<>();
    private final List<Prefix<T>> prefixes = new ArrayList<>();
    private final List<Map.Entry<LocationConfig, T>> regexes = new ArrayList<>();

    private record Prefix<T>(String prefix, boolean stopRegex, T value) {
    }

    public Locations(List<T> locations, Function<T, LocationConfig> config) {
        for (T location : locations) {
            LocationConfig c = config.apply(location);
            switch (c.modifier()) {
                case EXACT -> exact.putIfAbsent(c.pattern(), location);
                case PREFIX, PREFIX_NO_REGEX ->
                    prefixes.add(new Prefix<>(c.pattern(), c.modifier() == Modifier.PREFIX_NO_REGEX, location));
                case REGEX, REGEX_CASELESS -> regexes.add(Map.entry(c, location));
            }
        }
        prefixes.sort((a, b) -> Integer.compare(b.prefix.length(), a.prefix.length()));
    }

    /** The location for this path, or null when none matches. */
    public T match(String path) {
        T hit = exact.get(path);
        if (hit != null) {
            return hit;
        }
        Prefix<T> longest = null;
        for (Prefix<T> p : prefixes) {
            if (path.startsWith(p.prefix)) {
                longest = p;
                break;
            }
        }
        if (longest != null && longest.stopRegex) {
            return longest.value;
        }
        for (Map.Entry<LocationConfig, T> e : regexes) {
            if (e.getKey().regex().matcher(path).find()) {
                return e.getValue();
            }
        }
        return longest == null ? null : longest.value;
    }
}
