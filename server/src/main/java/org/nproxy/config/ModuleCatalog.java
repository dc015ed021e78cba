package org.nproxy.config;

import java.util.List;

import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.HandlerFactory;

/** The factories the loader binds elements with; the server's module registry is one. */
public interface ModuleCatalog {
    /** The location handler factory of that element name, or null. */
    HandlerFactory<?> handler(String type);

    /** Every location handler type, sorted (for error messages). */
    List<String> handlerTypes();

    /** The top-level element factory of that element name, or null. */
    ElementFactory<?> element(String type);

    /** Every module top-level element type, sorted. */
    List<String> elementTypes();

    /** Service implementations from lib/ and lib/ext/, see {@code BindContext#services}. */
    <T> List<T> services(Class<T> type);
}
