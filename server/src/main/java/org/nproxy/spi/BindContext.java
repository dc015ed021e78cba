package org.nproxy.spi;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

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
}
