package org.nproxy.spi;

/**
 * A module's top-level element, a sibling of {@code <server>}: an {@code <upstream>} group, a
 * {@code <cache-zone>}, a store a handler refers to by name.
 *
 * <p>Found with {@link java.util.ServiceLoader} in every jar of {@code lib/} and {@code lib/ext/}
 * (list the class in {@code META-INF/services/org.nproxy.spi.ElementFactory}). The
 * {@link #type()} is the element name operators write under {@code <nproxy>}; two factories with
 * the same type fail start-up, and so does a type the core owns ({@code server}, {@code include},
 * {@code access-log}).
 *
 * <p>Life cycle:
 * <ol>
 *   <li>{@link #bind} reads the element into an immutable settings record (no side effects; it
 *       runs for {@code nproxy.sh check}). A named element ({@link #named()}, the default) has a
 *       required {@code name} attribute, read and checked for duplicates by the loader; handlers
 *       refer to it with {@link BindContext#reference}.</li>
 *   <li>{@link #open} creates the element's runtime part (pools, health checkers, a store) the
 *       first time a generation asks for it with {@link ModuleContext#resource}. It is shared by
 *       every later generation whose settings are {@code equals} and closed after the last one
 *       using it has drained: settings must be value objects (records of values, no positions),
 *       so that a reload that leaves the element alone keeps its state.</li>
 * </ol>
 *
 * <pre>{@code
 * public final class ZoneFactory implements ElementFactory<ZoneSettings> {
 *     public String type() { return "cache-zone"; }
 *     public ZoneSettings bind(ConfigElement e, BindContext ctx) { return new ZoneSettings(e.size("heap", 64 << 20)); }
 *     public AutoCloseable open(String name, ZoneSettings s, ResourceContext ctx) { return new Zone(name, s); }
 * }
 * }</pre>
 *
 * @param <S> the settings record this factory binds its element to
 */
public interface ElementFactory<S> {
    /** The element name, e.g. {@code upstream}; lower case letters, digits and '-'. */
    String type();

    /** Whether the element has a required, unique {@code name} (default); else it may appear once. */
    default boolean named() {
        return true;
    }

    /**
     * What to suggest when a handler names an element that is not defined, e.g.
     * {@code <upstream name="app"> with at least one <peer>}.
     */
    default String example(String name) {
        return "an <" + type() + " name=\"" + name + "\">";
    }

    /**
     * Whether every generation that defines the element opens (and holds) its runtime part as it
     * is built, although no handler refers to it: for elements that act on all requests, such as
     * {@code <tracing>}. A runtime part that is a {@link Tracer} becomes the generation's tracer
     * (at most one element may be). Default false: opened when a handler asks.
     */
    default boolean opensWithGeneration() {
        return false;
    }

    /** Validates and binds the element; report problems with {@link ConfigElement#error}. */
    S bind(ConfigElement element, BindContext context);

    /**
     * Opens the runtime part for these settings, or returns null when the element has none.
     * Called at most once per distinct (name, settings) while any generation uses it.
     */
    default AutoCloseable open(String name, S settings, ResourceContext context) throws Exception {
        return null;
    }
}
