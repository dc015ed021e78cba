package org.nproxy.tracing;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Request;
import org.nproxy.spi.RequestVariables;
import org.nproxy.spi.TraceContext;
import org.nproxy.spi.Tracer;

/**
 * The OpenTelemetry SDK behind {@code <tracing>}: spans are built when they are over (start time
 * given), with the ids the core chose ({@link TraceContext}: the ids the upstream already saw in
 * {@code traceparent}), then batched and sent over OTLP/HTTP. Attribute names follow
 * OpenTelemetry's HTTP semantic conventions: a {@code SERVER} span per request named
 * {@code METHOD location}, a {@code CLIENT} span per upstream try named {@code METHOD}.
 */
final class OtlpTracer implements Tracer, AutoCloseable {
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    private static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
    private static final AttributeKey<Long> PEER_PORT = AttributeKey.longKey("network.peer.port");
    private static final AttributeKey<String> PROTOCOL_VERSION = AttributeKey.stringKey("network.protocol.version");
    private static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<String> VHOST = AttributeKey.stringKey("nproxy.server");

    /** The ids the next span built on this thread gets (the SDK asks its {@link IdGenerator}). */
    private static final ThreadLocal<String[]> NEXT_IDS = new ThreadLocal<>();

    private final SdkTracerProvider provider;
    private final io.opentelemetry.api.trace.Tracer tracer;
    /** Traces Nproxy starts are recorded when the low 63 bits of their id fall below this. */
    private final long sampleBound;

    private OtlpTracer(SdkTracerProvider provider, double sample) {
        this.provider = provider;
        this.tracer = provider.get("org.nproxy");
        this.sampleBound = sample >= 1.0 ? Long.MAX_VALUE : (long) (sample * Long.MAX_VALUE);
    }

    static OtlpTracer open(TracingSettings s) {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
            .setEndpoint(s.endpoint())
            .setTimeout(s.timeout())
            .setServiceClassLoader(OtlpTracer.class.getClassLoader()) // finds the JDK sender in a module class loader
            .build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(
                Attributes.of(AttributeKey.stringKey("service.name"), s.serviceName()))))
            .setSampler(Sampler.alwaysOn()) // the decision is ours, taken before the upstream request goes
            .setIdGenerator(new PresetIds())
            .addSpanProcessor(BatchSpanProcessor.builder(exporter)
                .setScheduleDelay(s.exportInterval())
                .setExporterTimeout(s.timeout())
                .setMaxQueueSize(s.queueSize())
                .setMaxExportBatchSize(Math.min(512, s.queueSize()))
                .build())
            .build();
        return new OtlpTracer(provider, s.sample());
    }

    @Override
    public boolean sample(TraceContext trace) {
        if (trace.parentSpanId() != 0) {
            return trace.clientSampled(); // parent-based, as OpenTelemetry's default sampler
        }
        return sampleBound == Long.MAX_VALUE || (trace.traceIdLow() & Long.MAX_VALUE) < sampleBound;
    }

    @Override
    public void serverSpan(Request request, TraceContext trace, int status, long durationNanos) {
        try {
            String location = RequestVariables.LOCATION.get(request);
            String method = request.getMethod();
            SpanBuilder b = tracer.spanBuilder(location == null ? method : method + " " + location)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(METHOD, method)
                .setAttribute(URL_PATH, request.getHttpURI().getPath())
                .setAttribute(URL_SCHEME, request.isSecure() ? "https" : "http")
                .setAttribute(SERVER_ADDRESS, Request.getServerName(request))
                .setAttribute(SERVER_PORT, (long) Request.getServerPort(request))
                .setAttribute(CLIENT_ADDRESS, Request.getRemoteAddr(request))
                .setAttribute(PROTOCOL_VERSION, version(request.getConnectionMetaData().getHttpVersion()))
                .setAttribute(STATUS, (long) status);
            if (location != null) {
                b.setAttribute(ROUTE, location);
            }
            String vhost = RequestVariables.VHOST.get(request);
            if (vhost != null) {
                b.setAttribute(VHOST, vhost);
            }
            String agent = request.getHeaders().get(HttpHeader.USER_AGENT);
            if (agent != null) {
                b.setAttribute(USER_AGENT, agent);
            }
            if (trace.parentSpanId() != 0) {
                b.setParent(Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(trace.traceId(),
                    TraceContext.hex(trace.parentSpanId()), TraceFlags.getSampled(), TraceState.getDefault()))));
            } else {
                b.setNoParent();
            }
            end(b, trace.traceId(), trace.spanId(), durationNanos, status >= 500 ? Integer.toString(status) : null);
        } catch (RuntimeException e) {
            // Never fail a request for its span.
        }
    }

    @Override
    public void clientSpan(Request clientRequest, TraceContext trace, long spanId, String method, String peerAddress,
                           int peerPort, int status, Throwable failure, long durationNanos) {
        try {
            SpanBuilder b = tracer.spanBuilder(method)
                .setSpanKind(SpanKind.CLIENT)
                .setParent(Context.root().with(Span.wrap(SpanContext.create(trace.traceId(),
                    TraceContext.hex(trace.spanId()), TraceFlags.getSampled(), TraceState.getDefault()))))
                .setAttribute(METHOD, method)
                .setAttribute(SERVER_ADDRESS, peerAddress)
                .setAttribute(SERVER_PORT, (long) peerPort)
                .setAttribute(PEER_ADDRESS, peerAddress)
                .setAttribute(PEER_PORT, (long) peerPort)
                .setAttribute(STATUS, (long) status);
            String error = failure != null ? failure.getClass().getName() : status >= 400 ? Integer.toString(status) : null;
            end(b, trace.traceId(), spanId, durationNanos, error);
        } catch (RuntimeException e) {
            // Never fail a request for its span.
        }
    }

    private static void end(SpanBuilder b, String traceId, long spanId, long durationNanos, String error) {
        Instant now = Instant.now();
        long endNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        b.setStartTimestamp(endNanos - durationNanos, TimeUnit.NANOSECONDS);
        if (error != null) {
            b.setAttribute(ERROR_TYPE, error);
        }
        NEXT_IDS.set(new String[] {traceId, TraceContext.hex(spanId)});
        Span span;
        try {
            span = b.startSpan();
        } finally {
            NEXT_IDS.remove();
        }
        if (error != null) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end(endNanos, TimeUnit.NANOSECONDS);
    }

    private static String version(HttpVersion v) {
        return switch (v) {
            case HTTP_1_0 -> "1.0";
            case HTTP_2 -> "2";
            case HTTP_3 -> "3";
            default -> "1.1";
        };
    }

    /** Flushes what is queued (up to the export timeout) and stops the exporter. */
    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }

    /** The ids {@link #end} chose; random ones for any other span (none is made). */
    private static final class PresetIds implements IdGenerator {
        @Override
        public String generateSpanId() {
            String[] ids = NEXT_IDS.get();
            return ids != null ? ids[1] : IdGenerator.random().generateSpanId();
        }

        @Override
        public String generateTraceId() {
            String[] ids = NEXT_IDS.get();
            return ids != null ? ids[0] : IdGenerator.random().generateTraceId();
        }
    }
}
