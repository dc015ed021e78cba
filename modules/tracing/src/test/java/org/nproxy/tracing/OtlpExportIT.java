package org.nproxy.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * Spans exported over OTLP/HTTP to a real receiver, decoded with the OTLP protobuf classes: a
 * server span per request (Nproxy's {@code $span_id}, parented on the client's span when it sent
 * one), a client span per upstream try (the parent the upstream saw in {@code traceparent}), with
 * OpenTelemetry's HTTP attribute names; a try at a dead peer is a failed client span; a trace the
 * client did not sample is neither recorded nor marked sampled upstream.
 */
class OtlpExportIT {
    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])");

    @Test
    void serverAndClientSpansReachTheCollector() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        try (OtlpReceiver collector = new OtlpReceiver();
             EchoOrigin origin = new EchoOrigin();
             NproxyFixture nproxy = NproxyFixture.start("""
                 <nproxy>
                   <tracing endpoint="%s" service-name="edge-test" export-interval="100ms"/>
                   <access-log path="logs/trace.log" format="$request_uri $trace_id $span_id $status"/>
                   <upstream name="app">
                     <peer address="127.0.0.1:%d" max-fails="1" fail-timeout="30s"/>
                     <peer address="127.0.0.1:%d" backup="true"/>
                   </upstream>
                   <server names="edge.test"><listen host="127.0.0.1" port="0"/>
                     <location path="/api/"><proxy upstream="app"/></location>
                   </server>
                 </nproxy>""".formatted(collector.endpoint(), dead, origin.port()))) {
            Path log = nproxy.base().resolve("logs/trace.log");

            // A new trace (sample defaults to 1): the first try hits the dead peer, the second the origin.
            String r1 = Http.get(nproxy.port(), "/api/new?q=1", "edge.test");
            assertEquals(200, Http.status(r1), r1);
            Matcher m1 = TRACEPARENT.matcher(Http.body(r1));
            assertTrue(m1.find(), r1);
            String[] line = logLine(log, "/api/new?q=1").split(" ");
            String traceId = line[1];
            String serverSpanId = line[2];
            assertEquals(traceId, m1.group(1), "the upstream's trace is the access log's $trace_id");
            assertEquals("01", m1.group(3), "a recorded trace is sampled upstream");

            List<OtlpReceiver.Received> spans = collector.await(traceId, 3);
            assertEquals(3, spans.size(), "one server span and two client spans: " + spans);
            OtlpReceiver.Received server = only(spans, Span.SpanKind.SPAN_KIND_SERVER);
            assertEquals(serverSpanId, server.spanId(), "the server span is Nproxy's $span_id");
            assertTrue(server.span().getParentSpanId().isEmpty(), "a trace Nproxy started has a root server span");
            assertEquals("GET /api/", server.span().getName());
            assertEquals("GET", server.attribute("http.request.method"));
            assertEquals("200", server.attribute("http.response.status_code"));
            assertEquals("/api/", server.attribute("http.route"));
            assertEquals("/api/new", server.attribute("url.path"));
            assertEquals("http", server.attribute("url.scheme"));
            assertEquals("edge.test", server.attribute("server.address"));
            assertEquals("1.1", server.attribute("network.protocol.version"));
            assertEquals("127.0.0.1", server.attribute("client.address"));
            assertEquals("edge-test", server.resourceAttribute("service.name"));
            assertTrue(server.span().getEndTimeUnixNano() >= server.span().getStartTimeUnixNano());

            List<OtlpReceiver.Received> clients = spans.stream()
                .filter(r -> r.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .sorted(java.util.Comparator.comparingLong(r -> r.span().getStartTimeUnixNano())).toList();
            assertEquals(2, clients.size());
            for (OtlpReceiver.Received c : clients) {
                assertEquals(serverSpanId, c.parentId(), "a try is a child of the server span");
                assertEquals("GET", c.span().getName());
                assertEquals("127.0.0.1", c.attribute("server.address"));
                assertTrue(c.span().getStartTimeUnixNano() >= server.span().getStartTimeUnixNano());
            }
            OtlpReceiver.Received failed = clients.get(0);
            assertEquals(Integer.toString(dead), failed.attribute("server.port"));
            assertEquals("502", failed.attribute("http.response.status_code"));
            assertNotNull(failed.attribute("error.type"));
            assertEquals(Status.StatusCode.STATUS_CODE_ERROR, failed.span().getStatus().getCode());
            OtlpReceiver.Received answered = clients.get(1);
            assertEquals(Integer.toString(origin.port()), answered.attribute("server.port"));
            assertEquals("200", answered.attribute("http.response.status_code"));
            assertEquals(answered.spanId(), m1.group(2), "the upstream's parent is the client span of its try");
            assertNotEquals(serverSpanId, m1.group(2));

            // The client did not sample its trace: nothing recorded, the upstream is told so.
            String unsampledTrace = "0af7651916cd43dd8448eb211c80319c";
            String r0 = Http.exchange(nproxy.port(), "GET /api/unsampled HTTP/1.1\r\nHost: edge.test\r\n"
                + "traceparent: 00-" + unsampledTrace + "-b7ad6b7169203331-00\r\nConnection: close\r\n\r\n");
            Matcher m0 = TRACEPARENT.matcher(Http.body(r0));
            assertTrue(m0.find(), r0);
            assertEquals("00", m0.group(3));

            // The client's sampled trace: continued, the server span parented on the client's span.
            String clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
            String r2 = Http.exchange(nproxy.port(), "GET /api/continued HTTP/1.1\r\nHost: edge.test\r\n"
                + "traceparent: 00-" + clientTrace + "-00f067aa0ba902b7-01\r\nConnection: close\r\n\r\n");
            assertEquals(200, Http.status(r2), r2);
            List<OtlpReceiver.Received> continued = collector.await(clientTrace, 2);
            assertEquals(2, continued.size(), "the dead peer is out: one try: " + continued);
            OtlpReceiver.Received server2 = only(continued, Span.SpanKind.SPAN_KIND_SERVER);
            assertEquals("00f067aa0ba902b7", server2.parentId());

            assertTrue(collector.spans.stream().noneMatch(r -> r.traceId().equals(unsampledTrace)),
                "an unsampled trace is not exported");
            assertTrue(collector.badRequests.isEmpty(), collector.badRequests.toString());
        }
    }

    @Test
    void sampleZeroRecordsNoNewTraceAndSaysSoUpstream() throws Exception {
        try (OtlpReceiver collector = new OtlpReceiver();
             EchoOrigin origin = new EchoOrigin();
             NproxyFixture nproxy = NproxyFixture.start("""
                 <nproxy>
                   <tracing endpoint="%s/v1/traces" sample="0" export-interval="100ms"/>
                   <upstream name="app"><peer address="127.0.0.1:%d"/></upstream>
                   <server><listen host="127.0.0.1" port="0"/>
                     <location path="/"><proxy upstream="app"/></location>
                   </server>
                 </nproxy>""".formatted(collector.endpoint(), origin.port()))) {
            String r = Http.get(nproxy.port(), "/x", "x");
            Matcher m = TRACEPARENT.matcher(Http.body(r));
            assertTrue(m.find(), r);
            assertEquals("00", m.group(3));
            // A client's sampled trace is still recorded (parent-based).
            String clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
            Http.exchange(nproxy.port(), "GET /y HTTP/1.1\r\nHost: x\r\ntraceparent: 00-" + clientTrace
                + "-00f067aa0ba902b7-01\r\nConnection: close\r\n\r\n");
            assertEquals(2, collector.await(clientTrace, 2).size());
            assertTrue(collector.spans.stream().allMatch(s -> s.traceId().equals(clientTrace)), collector.spans.toString());
        }
    }

    private static OtlpReceiver.Received only(List<OtlpReceiver.Received> spans, Span.SpanKind kind) {
        List<OtlpReceiver.Received> of = spans.stream().filter(r -> r.span().getKind() == kind).toList();
        assertEquals(1, of.size(), kind + " spans: " + spans);
        return of.get(0);
    }

    private static String logLine(Path log, String target) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            if (Files.exists(log)) {
                for (String l : Files.readAllLines(log)) {
                    if (l.startsWith(target + " ")) {
                        return l;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line for " + target);
            }
            Thread.sleep(10);
        }
    }

    /** A real upstream that answers with the traceparent it got. */
    static final class EchoOrigin implements AutoCloseable {
        private final Server server = new Server();
        private final ServerConnector connector = new ServerConnector(server);

        EchoOrigin() throws Exception {
            connector.setHost("127.0.0.1");
            server.addConnector(connector);
            server.setHandler(new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) {
                    String tp = String.valueOf(request.getHeaders().get("traceparent"));
                    response.write(true, ByteBuffer.wrap(tp.getBytes(StandardCharsets.US_ASCII)), callback);
                    return true;
                }
            });
            server.start();
        }

        int port() {
            return connector.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.stop();
        }
    }
}
