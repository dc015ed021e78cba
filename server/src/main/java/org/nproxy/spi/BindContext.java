package org.nproxy.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What a factory may consult while binding its element; read-only, no side effects. */
public interface BindContext {
    /** The instance directory ({@code NPROXY_BASE}); relative paths in the config resolve here. */
    Path base();

    /** Resolves a path from the config against {@link #base()}. */
    default Path resolve(String path) {
        return base().resolve(path).normalize();
    }

    /** Limits and timeouts of the root element, e.g. to size buffers from the listener's limits. */
    ServerSettings settings();

    /**
     * The settings of a top-level element of another module, by element type and name, if the
     * configuration defines it and its factory's settings are of {@code settingsType}. Elements
     * are bound in file order before any location, so a handler sees every top-level element.
     */
    <S> Optional<S> lookup(String type, String name, Class<S> settingsType);

    /** Names of the defined elements of a type, in file order (for error messages). */
    List<String> names(String type);

    /**
     * Reads a required attribute naming a top-level element and resolves it; reports a missing
     * attribute, an undefined name (listing the defined ones, or what to write) or an element
     * type no installed module provides, at the attribute's position.
     *
     * <pre>{@code
     * Optional<UpstreamSettings> app = context.reference(e, "upstream", "upstream", UpstreamSettings.class);
     * }</pre>
     */
    <S> Optional<S> reference(ConfigElement element, String attribute, String type, Class<S> settingsType);

    /**
     * Every implementation of a service interface found with {@link java.util.ServiceLoader} in
     * {@code lib/} and {@code lib/ext/}, in a stable order; how a module lets jars extend it (the
     * upstream library finds its balancers this way).
     */
    <T> List<T> services(Class<T> type);
}
