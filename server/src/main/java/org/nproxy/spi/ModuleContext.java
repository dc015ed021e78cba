package org.nproxy.spi;

import java.nio.file.Path;
import java.util.function.Supplier;

import org.eclipse.jetty.server.Server;
import org.nproxy.config.NproxyConfig;

/**
 * What a {@link HandlerFactory} gets when it creates a handler for a generation.
 *
 * <p>{@link #shared} holds state that must outlive a generation (upstream health keyed by
 * address, cache zones keyed by name): the first generation creates it, later ones after a
 * reload get the same object. Shared objects that implement {@link AutoCloseable} are closed
 * when the server stops.
 */
public interface ModuleContext {
    /** The instance directory ({@code NPROXY_BASE}). */
    Path base();

    /** The whole configuration of the generation being built. */
    NproxyConfig config();

    /** The Jetty server (scheduler, byte buffer pool, connectors). */
    Server server();

    /** A server-lifetime object, created once under this key. */
    <T> T shared(String key, Class<T> type, Supplier<T> create);
}
