package org.nproxy.spi;

import java.nio.file.Path;
import java.util.Optional;

import org.eclipse.jetty.server.Server;

/**
 * What a {@link HandlerFactory} gets when it creates a handler for one configuration generation:
 * where it is mounted, the root settings, and the shared runtime parts of top-level elements.
 */
public interface ModuleContext {
    /** The instance directory ({@code NPROXY_BASE}). */
    Path base();

    /** The Jetty server (scheduler, byte buffer pool, connectors). */
    Server server();

    /** The generation being built (1 for the first, +1 per reload). */
    long generation();

    /** The root element's limits and timeouts of this generation. */
    ServerSettings settings();

    /** The server block and location this handler serves. */
    Mount mount();

    /**
     * Meters of this generation: what is registered here is removed after the generation has
     * drained and stopped, unless the next generation registered the same meters (see {@link Meters}).
     */
    Meters meters();

    /** This generation's settings of a top-level element, as in {@link BindContext#lookup}. */
    <S> Optional<S> lookup(String type, String name, Class<S> settingsType);

    /** Names of this generation's elements of a type, in file order. */
    java.util.List<String> names(String type);

    /**
     * The runtime part of a top-level element ({@link ElementFactory#open}), shared with every
     * generation whose settings for it are equal: acquired now, released by the server when this
     * generation has drained and stopped; the last release closes it.
     *
     * @throws IllegalStateException when no such element is defined or its runtime part is not
     *                               of {@code type}
     */
    <R> R resource(String elementType, String name, Class<R> type) throws Exception;

    /**
     * A server-owned object shared by every generation that asks with an equal {@code key},
     * created by {@code create} on first use and closed (if {@link AutoCloseable}) after the last
     * generation holding it has drained. For module state that is not a config element.
     */
    <R> R shared(Object key, Class<R> type, java.util.concurrent.Callable<R> create) throws Exception;

    /**
     * A server-lifetime object under {@code key}: created on first use, the same for every later
     * generation whether or not it asks, and closed (if {@link AutoCloseable}) only when the
     * server stops. For state that must outlive any generation, such as open WebSocket tunnels.
     */
    <R> R serverScoped(Object key, Class<R> type, java.util.concurrent.Callable<R> create) throws Exception;
}
