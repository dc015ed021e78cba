package org.nproxy.server.internal;

/**
 * Identity of an element's runtime part in {@link SharedResources}: equal settings of the same
 * factory class (a jar replaced in {@code lib/ext/} brings another class) share one object.
 */
record ElementKey(String type, String name, Class<?> factory, Object settings) {
}
