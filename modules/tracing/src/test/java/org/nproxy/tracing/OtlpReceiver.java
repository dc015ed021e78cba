package org.nproxy.tracing;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A real OTLP/HTTP receiver on 127.0.0.1: accepts {@code POST /v1/traces} in protobuf, decodes
 * each export with the protocol's own classes and keeps its spans with their resource.
 */
final class OtlpReceiver implements AutoCloseable {
    /** A received span and the resource it came with. */
    record Received(Span span, Resource resource) {
        String traceId() {
            return hex(span.getTraceId());
        }

        String spanId() {
            return hex(span.getSpanId());
        }

        String parentId() {
            return hex(span.getParentSpanId());
        }

        String attribute(String key) {
            for (KeyValue kv : span.getAttributesList()) {
                if (kv.getKey().equals(key)) {
                    var v = kv.getValue();
                    return v.hasIntValue() ? Long.toString(v.getIntValue()) : v.getStringValue();
                }
            }
            return null;
        }

        String resourceAttribute(String key) {
            for (KeyValue kv : resource.getAttributesList()) {
                if (kv.getKey().equals(key)) {
                    return kv.getValue().getStringValue();
                }
            }
            return null;
        }
    }

    final List<Received> spans = new CopyOnWriteArrayList<>();
    final List<String> badRequests = new CopyOnWriteArrayList<>();
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);

    OtlpReceiver() throws Exception {
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
                if (!request.getMethod().equals("POST") || !Request.getPathInContext(request).equals("/v1/traces")
                    || type == null || !type.startsWith("application/x-protobuf")) {
                    badRequests.add(request.getMethod() + " " + request.getHttpURI() + " " + type);
                    Response.writeError(request, response, callback, 404);
                    return true;
                }
                ByteBuffer body = Content.Source.asByteBuffer(request);
                ExportTraceServiceRequest export = ExportTraceServiceRequest.parseFrom(body);
                for (ResourceSpans rs : export.getResourceSpansList()) {
                    for (ScopeSpans ss : rs.getScopeSpansList()) {
                        for (Span s : ss.getSpansList()) {
                            spans.add(new Received(s, rs.getResource()));
                        }
                    }
                }
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-protobuf");
                response.write(true, ByteBuffer.wrap(ExportTraceServiceResponse.getDefaultInstance().toByteArray()), callback);
                return true;
            }
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    static String hex(ByteString b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b.toByteArray()) {
            sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return sb.toString();
    }

    /** The spans of a trace once at least {@code count} arrived (within 10 s). */
    List<Received> await(String traceId, int count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            List<Received> of = spans.stream().filter(r -> r.traceId().equals(traceId)).toList();
            if (of.size() >= count || System.nanoTime() > deadline) {
                return of;
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
