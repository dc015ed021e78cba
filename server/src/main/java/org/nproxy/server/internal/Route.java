package org.nproxy.server.internal;

import org.eclipse.jetty.server.Handler;
import org.nproxy.config.LocationConfig;

/** A location at runtime: its config and the started head of its handler chain. */
public record Route(LocationConfig config, Handler handler, String handlerLabel) {
}
