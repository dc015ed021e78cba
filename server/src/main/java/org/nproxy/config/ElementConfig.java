package org.nproxy.config;

import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.Origin;

/**
 * A module's top-level element, bound by its factory.
 *
 * @param name the {@code name} attribute, or the type for an unnamed element
 */
public record ElementConfig(String type, String name, ElementFactory<?> factory, Object settings, Origin origin) {
}
