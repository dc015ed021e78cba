package org.nproxy.server.internal;

/** Identity of a module's {@code ModuleContext.shared} object in {@link SharedResources}. */
record SharedKey(Object key) {
}
