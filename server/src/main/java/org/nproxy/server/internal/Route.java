package org.nproxy.server.internal;

import org.eclipse.jetty.server.Handler;
import org.nproxy.config.LocationConfig;

/**
 * A location at runtime: its config and the started head of its handler chain.
 * {@code nonBlocking}: every handler of the chain declared {@code NON_BLOCKING} itself (see
 * {@link ChainBuilder#declaresNonBlocking}), so
 * the chain runs on the thread that parsed the request instead of a fresh virtual thread.
 * {@code meters}: the location's request meters, fed by the dispatcher when a response completes.
 */
public record Route(LocationConfig config, Handler handler, String handlerLabel, boolean nonBlocking, RouteMeters meters) {
}
