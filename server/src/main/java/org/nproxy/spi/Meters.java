package org.nproxy.spi;

import java.util.function.Function;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Where a module registers its meters: a scope over the server's Micrometer registry whose
 * meters disappear when the scope ends, unless another live scope registered the same meter
 * (same name and tags). {@link ModuleContext#meters()} is the scope of one configuration
 * generation (it ends when the generation has drained and stopped); {@link ResourceContext#meters()}
 * is the scope of one shared runtime part (it ends when that part is closed). So a reload that
 * keeps a location or an upstream group keeps its counters running, and one that removes it
 * removes its series after the drain.
 *
 * <pre>{@code
 * Counter hits = context.meters().register(r -> Counter.builder("nproxy.example.hits")
 *     .description("Hits of the example handler").tag("server", context.mount().server()).register(r));
 * // per request: hits.increment();  (keep the meter, never look it up per request)
 * }</pre>
 *
 * Micrometer is the library-neutral facade here: the server's registry is a composite that holds
 * no data by itself; exporters (the {@code metrics} module's Prometheus registry) are plugged in
 * with {@link #publishTo}. Name meters {@code nproxy.<module>.<what>} with a description (it
 * becomes {@code # HELP}), and keep tag values bounded: configured names, status codes, never raw
 * paths or client addresses.
 */
public interface Meters {
    /**
     * Registers (or finds) a meter: {@code builder} is called with the server's registry and
     * returns what Micrometer's {@code register(registry)} returned. Cheap enough for setup, not
     * for a request path: keep the meter.
     */
    <M extends Meter> M register(Function<MeterRegistry, M> builder);

    /**
     * Registers a gauge (or any meter that reads the object it was built with), taking over the
     * name and tags from a live scope that registered them before: a gauge reads the object it
     * was built with, so a group reopened by a reload must not keep reading, and keeping alive,
     * the old one. Counters and timers should use {@link #register}, which keeps their counts.
     */
    <M extends Meter> M replace(Function<MeterRegistry, M> builder);

    /**
     * The server's registry, to read meters (a status page) or to bind long-lived binders. Meters
     * registered on it directly live as long as the server.
     */
    MeterRegistry registry();

    /**
     * Plugs an exporting registry (e.g. Prometheus) under the server's registry: it gets every
     * meter, those registered before too. Closing the returned handle unplugs it.
     */
    AutoCloseable publishTo(MeterRegistry exporter);
}
