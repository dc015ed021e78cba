package org.nproxy.spi;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

import org.nproxy.config.ConfigElement;
import org.nproxy.config.UpstreamConfig;

/** What a {@link HandlerFactory} may consult while binding its element. */
public interface BindContext {
    /** The instance directory ({@code NPROXY_BASE}); relative paths in the config resolve here. */
    Path base();

    /** Resolves a path from the config against {@link #base()}. */
    default Path resolve(String path) {
        return base().resolve(path).normalize();
    }

    /** The upstream group of that name, if the configuration defines one. */
    Optional<UpstreamConfig> upstream(String name);

    /** Names of every upstream group the configuration defines, in file order (for error messages). */
    default Set<String> upstreamNames() {
        return Set.of();
    }

    /**
     * Reads a required attribute naming an upstream group and resolves it; reports a missing
     * attribute or an undefined name (listing the defined groups) at the attribute's position.
     */
    default Optional<UpstreamConfig> upstreamAttribute(ConfigElement element, String attribute) {
        String name = element.required(attribute);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        Optional<UpstreamConfig> upstream = upstream(name);
        if (upstream.isEmpty()) {
            element.attributeError(attribute, "unknown upstream '" + name + "'", upstreamNames().isEmpty()
                ? "an <upstream name=\"" + name + "\"> with at least one <peer> (none is defined)"
                : "one of the defined upstreams: " + String.join(", ", upstreamNames()));
        }
        return upstream;
    }
}
