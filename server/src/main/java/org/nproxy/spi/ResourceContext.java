package org.nproxy.spi;

import java.nio.file.Path;

import org.eclipse.jetty.server.Server;

/** What an {@link ElementFactory} gets when it opens a shared runtime part. */
public interface ResourceContext {
    /** The instance directory ({@code NPROXY_BASE}). */
    Path base();

    /** The Jetty server (scheduler, byte buffer pool). */
    Server server();

    /**
     * Meters of the runtime part being opened: removed after it is closed (the last generation
     * holding it has drained), unless a live scope registered the same meters (see {@link Meters}).
     */
    Meters meters();

    /** Services of a type from {@code lib/} and {@code lib/ext/}, see {@link BindContext#services}. */
    <T> java.util.List<T> services(Class<T> type);
}
