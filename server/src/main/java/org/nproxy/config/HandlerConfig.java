package org.nproxy.config;

import org.nproxy.spi.Origin;
import org.nproxy.spi.HandlerFactory;

/** One handler element of a location, bound by its factory to an immutable settings object. */
public record HandlerConfig(String type, HandlerFactory<?> factory, Object settings, Origin origin) {
}
