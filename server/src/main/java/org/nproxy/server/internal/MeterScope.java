package org.nproxy.server.internal;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.nproxy.spi.Meters;

/**
 * The meters one generation or one shared resource registered ({@link Meters}): each is counted
 * in {@link ServerMeters} once per scope and let go when the scope closes. Closing twice is safe;
 * registering after close fails loudly (a handler kept a context beyond its generation).
 */
public final class MeterScope implements Meters, AutoCloseable {
    private final ServerMeters server;
    private final Set<Meter.Id> ids = new LinkedHashSet<>();
    private boolean closed;

    MeterScope(ServerMeters server) {
        this.server = server;
    }

    @Override
    public <M extends Meter> M register(Function<MeterRegistry, M> builder) {
        return register(builder, false);
    }

    @Override
    public <M extends Meter> M replace(Function<MeterRegistry, M> builder) {
        return register(builder, true);
    }

    private <M extends Meter> M register(Function<MeterRegistry, M> builder, boolean replace) {
        Objects.requireNonNull(builder, "builder");
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("meter scope closed: its generation or resource has been stopped");
            }
            return server.register(builder, ids::add, replace);
        }
    }

    @Override
    public MeterRegistry registry() {
        return server.registry();
    }

    @Override
    public AutoCloseable publishTo(MeterRegistry exporter) {
        return server.publishTo(Objects.requireNonNull(exporter, "exporter"));
    }

    @Override
    public void close() {
        Set<Meter.Id> letGo;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            letGo = Set.copyOf(ids);
            ids.clear();
        }
        for (Meter.Id id : letGo) {
            server.release(id);
        }
    }
}
