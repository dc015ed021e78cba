package org.nproxy.metrics;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.server.Server;
import org.nproxy.spi.Meters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the metrics module sets up once per server ({@code ModuleContext.serverScoped}): the
 * Prometheus registry plugged under the server's meters, Micrometer's JVM binders, and the
 * listener meters ({@link ListenerMeters}). Every {@code <metrics/>} location of every
 * generation scrapes the same registry, so counters never restart on a reload.
 */
final class MetricsHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsHub.class);

    private static final java.util.Set<String> LINT = java.util.Set.of("process.cpu.time", "system.cpu.count");

    private final PrometheusMeterRegistry prometheus;
    private final AutoCloseable unplug;
    private final List<AutoCloseable> binders = new ArrayList<>();
    private final ListenerMeters listeners;

    private MetricsHub(PrometheusMeterRegistry prometheus, AutoCloseable unplug, ListenerMeters listeners) {
        this.prometheus = prometheus;
        this.unplug = unplug;
        this.listeners = listeners;
    }

    static MetricsHub open(Meters meters, Server server) {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Two of Micrometer's processor meters break Prometheus' naming rules (promtool check
        // metrics): process_cpu_time_ns_total (abbreviated unit), system_cpu_count (a gauge
        // ending in _count). process_cpu_usage and system_load_average_1m remain.
        prometheus.config().meterFilter(MeterFilter.deny(id -> LINT.contains(id.getName())));
        AutoCloseable unplug = meters.publishTo(prometheus);
        MetricsHub hub = new MetricsHub(prometheus, unplug, ListenerMeters.attach(meters.registry(), server));
        MeterRegistry root = meters.registry();
        for (MeterBinder b : List.of(new JvmMemoryMetrics(), new JvmGcMetrics(), new JvmThreadMetrics(),
            new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics())) {
            b.bindTo(root);
            if (b instanceof AutoCloseable c) {
                hub.binders.add(c);
            }
        }
        return hub;
    }

    /** The exposition in {@code contentType} (Prometheus text 0.0.4 or OpenMetrics 1.0.0). */
    String scrape(String contentType) {
        listeners.refresh();
        return prometheus.scrape(contentType);
    }

    @Override
    public void close() {
        for (AutoCloseable c : binders) {
            quietly(c);
        }
        listeners.close();
        quietly(unplug);
        prometheus.close();
    }

    private static void quietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing {}: {}", c, e.toString());
        }
    }
}
