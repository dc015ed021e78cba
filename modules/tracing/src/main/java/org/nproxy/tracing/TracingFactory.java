package org.nproxy.tracing;

import java.net.URI;
import java.time.Duration;

import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.ResourceContext;

/**
 * The top-level {@code <tracing>} element: exports spans over OTLP/HTTP (protobuf) to a
 * collector. Without it nothing of OpenTelemetry is loaded; the W3C trace context is propagated
 * to upstreams either way (by the core).
 *
 * <pre>{@code
 * <tracing endpoint="http://127.0.0.1:4318" sample="0.1" service-name="nproxy"/>
 * }</pre>
 *
 * Opened with every generation that has it, and shared by the generations whose settings are
 * equal (a reload that keeps it keeps the exporter and its queue); closing flushes what is queued.
 */
public final class TracingFactory implements ElementFactory<TracingSettings> {
    @Override
    public String type() {
        return "tracing";
    }

    @Override
    public boolean named() {
        return false;
    }

    @Override
    public boolean opensWithGeneration() {
        return true;
    }

    @Override
    public TracingSettings bind(ConfigElement e, BindContext context) {
        String endpoint = e.required("endpoint");
        String traces = tracesUrl(endpoint);
        if (traces == null) {
            e.attributeError("endpoint", "'" + endpoint + "' is not an http(s) URL",
                "the collector's OTLP/HTTP address, e.g. endpoint=\"http://127.0.0.1:4318\"");
        }
        double sample = 1.0;
        String s = e.string("sample", "1");
        try {
            sample = Double.parseDouble(s);
        } catch (NumberFormatException ex) {
            sample = -1;
        }
        if (!(sample >= 0 && sample <= 1)) {
            e.attributeError("sample", "'" + s + "' is not a share between 0 and 1", "e.g. sample=\"0.1\" (10% of new traces)");
            sample = 1.0;
        }
        String service = e.string("service-name", "nproxy");
        if (service.isBlank()) {
            e.attributeError("service-name", "the service name is empty", "e.g. service-name=\"nproxy\"");
        }
        Duration interval = e.duration("export-interval", Duration.ofSeconds(5));
        Duration timeout = e.duration("timeout", Duration.ofSeconds(10));
        int queue = e.integer("queue-size", 2048, 1, 1 << 20);
        return new TracingSettings(traces == null ? endpoint : traces, sample, service, interval, timeout, queue);
    }

    /** The traces URL of a collector address, or null when it is not an http(s) URL. */
    static String tracesUrl(String endpoint) {
        URI uri;
        try {
            uri = new URI(endpoint.trim());
        } catch (java.net.URISyntaxException ex) {
            return null;
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
            || uri.getHost() == null) {
            return null;
        }
        String s = uri.toString();
        if (s.endsWith("/v1/traces")) {
            return s;
        }
        return (s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + "/v1/traces";
    }

    @Override
    public AutoCloseable open(String name, TracingSettings settings, ResourceContext context) {
        return OtlpTracer.open(settings); // the only place OpenTelemetry is reached from
    }
}
