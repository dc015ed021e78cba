package org.nproxy.server.internal;

import java.util.HashMap;
import java.util.Map;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

/**
 * The server's meters: one composite registry (exporters plug in under it) and a count of the
 * {@link MeterScope}s holding each meter. A meter leaves the registry when the last scope that
 * registered it closes, so generations and shared resources share series the way they share
 * state: the next generation registers before the old one lets go after its drain.
 */
public final class ServerMeters implements AutoCloseable {
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final Map<Meter.Id, Integer> holders = new HashMap<>();

    /** The composite registry every meter is registered in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** A new scope; close it to let go of what it registered. */
    public MeterScope scope() {
        return new MeterScope(this);
    }

    /** Plugs an exporter in; the handle unplugs it. */
    AutoCloseable publishTo(MeterRegistry exporter) {
        registry.add(exporter);
        return () -> registry.remove(exporter);
    }

    /**
     * Registers under this lock, so that a release of the same meter by another scope cannot
     * remove it between its registration and its count.
     *
     * @param first   whether the calling scope holds this meter for the first time
     * @param replace whether a meter already held by another scope is replaced by a new one
     */
    synchronized <M extends Meter> M register(java.util.function.Function<MeterRegistry, M> builder,
                                              java.util.function.Predicate<Meter.Id> first, boolean replace) {
        M meter = java.util.Objects.requireNonNull(builder.apply(registry), "the builder returned no meter");
        if (replace && holders.containsKey(meter.getId())) {
            registry.remove(meter); // held by another scope: build it anew, reading the caller's object
            meter = java.util.Objects.requireNonNull(builder.apply(registry), "the builder returned no meter");
        }
        if (first.test(meter.getId())) {
            holders.merge(meter.getId(), 1, Integer::sum);
        }
        return meter;
    }

    synchronized void release(Meter.Id id) {
        Integer left = holders.get(id);
        if (left == null) {
            throw new IllegalStateException("released meter " + id + " that no scope holds");
        }
        if (left > 1) {
            holders.put(id, left - 1);
            return;
        }
        holders.remove(id);
        Meter removed = registry.remove(id);
        if (removed != null) {
            // The composite's children keep their own copy: take it out of every exporter too.
            for (MeterRegistry child : registry.getRegistries()) {
                child.remove(id);
            }
        }
    }

    /** Meters held by some scope now (for tests). */
    public synchronized int held() {
        return holders.size();
    }

    /** Server stop: the registry goes with the server. */
    @Override
    public void close() {
        synchronized (this) {
            holders.clear();
        }
        registry.close();
    }
}
