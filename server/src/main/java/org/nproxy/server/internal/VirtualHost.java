package org.nproxy.server.internal;

import org.nproxy.config.ServerConfig;
import org.nproxy.routing.Locations;

/** A server block at runtime: its config and its location matcher. */
public record VirtualHost(ServerConfig config, Locations<Route> locations) {
}
