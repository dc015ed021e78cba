package org.nproxy.tracing;

import java.time.Duration;

/**
 * The {@code <tracing>} element, bound: where spans go and which requests are recorded.
 *
 * @param endpoint       the OTLP/HTTP traces URL, e.g. {@code http://127.0.0.1:4318/v1/traces} (written
 *                       as the collector's base URL, {@code /v1/traces} is added, as OpenTelemetry's
 *                       {@code OTEL_EXPORTER_OTLP_ENDPOINT} does)
 * @param sample         share of the traces Nproxy starts that are recorded, 0 to 1 (default 1); a
 *                       client's {@code traceparent} brings its own decision (its sampled flag)
 * @param serviceName    the {@code service.name} of the spans (default {@code nproxy})
 * @param exportInterval how long spans wait in the batch before they are sent (default 5s)
 * @param timeout        how long one export may take (default 10s)
 * @param queueSize      spans waiting at most; more are dropped, not waited for (default 2048)
 */
public record TracingSettings(String endpoint, double sample, String serviceName, Duration exportInterval,
                              Duration timeout, int queueSize) {
}
