package org.nproxy.server.internal;

import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Server-lifetime meters of the configuration: {@code nproxy_config_reloads_total{result="ok|failed"}}
 * and {@code nproxy_config_generation} (the id of the generation serving now).
 */
public final class ConfigMeters {
    private final Counter ok;
    private final Counter failed;

    public ConfigMeters(ServerMeters meters, LongSupplier generation) {
        MeterRegistry r = meters.registry();
        String help = "Configuration reloads, by result (failed: the running generation kept serving)";
        this.ok = Counter.builder("nproxy.config.reloads").description(help).tag("result", "ok").register(r);
        this.failed = Counter.builder("nproxy.config.reloads").description(help).tag("result", "failed").register(r);
        Gauge.builder("nproxy.config.generation", generation, s -> s.getAsLong())
            .description("Id of the configuration generation serving now (1 at start, +1 per successful reload)")
            .strongReference(true).register(r);
    }

    /** Counts one reload. */
    public void reloaded(boolean succeeded) {
        (succeeded ? ok : failed).increment();
    }
}
