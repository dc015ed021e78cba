package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * W3C Trace Context through the proxy, without any tracing module: the upstream gets a valid
 * {@code traceparent} whose trace id is the access log's {@code $trace_id} and whose parent is
 * Nproxy's span ({@code $span_id}); a client's valid trace is continued with its
 * {@code tracestate}; an invalid one is replaced by a new trace and its tracestate dropped.
 */
class TraceContextPropagationIT {
    private static final Pattern TRACEPARENT =
        Pattern.compile("(?m)^traceparent: 00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$");
    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    private record Seen(String traceId, String parent, String flags, String tracestate, String logTrace, String logSpan) {
    }

    @Test
    void upstreamSeesTheTraceTheAccessLogNames() throws Exception {
        try (Origin origin = new Origin("o");
             NproxyFixture nproxy = NproxyFixture.start("""
                 <nproxy>
                   <access-log path="logs/trace.log" format="$request_uri $trace_id $span_id"/>
                   <upstream name="app"><peer address="127.0.0.1:%d"/></upstream>
                   <server><listen host="127.0.0.1" port="0"/>
                     <location path="/"><proxy upstream="app"/></location>
                   </server>
                 </nproxy>""".formatted(origin.port()))) {
            Path log = nproxy.base().resolve("logs/trace.log");

            Seen fresh = send(nproxy, log, "/echo?fresh", "");
            assertEquals(fresh.logTrace, fresh.traceId, "the access log's $trace_id is the upstream's trace");
            assertEquals(fresh.logSpan, fresh.parent, "the upstream's parent is Nproxy's span ($span_id)");
            assertNotEquals("00000000000000000000000000000000", fresh.traceId);
            assertEquals("01", fresh.flags, "a trace Nproxy starts leaves the decision to the upstream");
            assertNull(fresh.tracestate);
            Seen again = send(nproxy, log, "/echo?again", "");
            assertNotEquals(fresh.traceId, again.traceId, "each request without a trace starts its own");

            Seen continued = send(nproxy, log, "/echo?continued", "traceparent: 00-" + CLIENT_TRACE + "-" + CLIENT_SPAN
                + "-00\r\ntracestate: congo=t61rcWkgMzE\r\ntracestate: rojo=00f067aa0ba902b7\r\n");
            assertEquals(CLIENT_TRACE, continued.traceId, "the client's trace is continued");
            assertEquals(CLIENT_TRACE, continued.logTrace);
            assertNotEquals(CLIENT_SPAN, continued.parent, "Nproxy's hop has a span of its own");
            assertEquals(continued.logSpan, continued.parent);
            assertEquals("00", continued.flags, "the client's sampled flag is kept");
            assertEquals("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", continued.tracestate, "tracestate passes, combined");

            Seen later = send(nproxy, log, "/echo?later", "traceparent: 01-" + CLIENT_TRACE + "-" + CLIENT_SPAN
                + "-01-what-a-later-version-adds\r\n");
            assertEquals(CLIENT_TRACE, later.traceId, "a later version's first four fields are read");
            assertEquals("01", later.flags);

            List<String> invalid = List.of(
                "00-" + CLIENT_TRACE.toUpperCase() + "-" + CLIENT_SPAN + "-01",     // upper case
                "00-00000000000000000000000000000000-" + CLIENT_SPAN + "-01",       // zero trace id
                "00-" + CLIENT_TRACE + "-0000000000000000-01",                      // zero parent
                "ff-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01",                   // version ff
                "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01-extra",             // 00 is exactly 55 long
                "00-" + CLIENT_TRACE.substring(1) + "-" + CLIENT_SPAN + "-01",      // short trace id
                "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-0g");                   // bad flags
            int i = 0;
            for (String bad : invalid) {
                Seen replaced = send(nproxy, log, "/echo?bad" + i++, "traceparent: " + bad + "\r\ntracestate: congo=x\r\n");
                assertNotEquals(CLIENT_TRACE, replaced.traceId, bad);
                assertNotEquals("00000000000000000000000000000000", replaced.traceId, bad);
                assertEquals(replaced.logTrace, replaced.traceId, bad);
                assertNull(replaced.tracestate, "an invalid traceparent's tracestate is dropped: " + bad);
            }
            Seen two = send(nproxy, log, "/echo?two", "traceparent: 00-" + CLIENT_TRACE + "-" + CLIENT_SPAN
                + "-01\r\ntraceparent: 00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01\r\n");
            assertNotEquals(CLIENT_TRACE, two.traceId, "two traceparent headers are not one valid trace");
        }
    }

    /** One request; what the upstream saw and what the access log wrote for it. */
    private static Seen send(NproxyFixture nproxy, Path log, String target, String headers) throws Exception {
        String response = Http.exchange(nproxy.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers
            + "Connection: close\r\n\r\n");
        assertEquals(200, Http.status(response), response);
        String body = Http.body(response);
        Matcher m = TRACEPARENT.matcher(body);
        assertTrue(m.find(), "the upstream got a valid traceparent:\n" + body);
        assertEquals(1, body.split("(?m)^traceparent:", -1).length - 1, "exactly one traceparent:\n" + body);
        Matcher state = Pattern.compile("(?m)^tracestate: (.*)$").matcher(body);
        String line = logLine(log, target);
        String[] parts = line.split(" ");
        return new Seen(m.group(1), m.group(2), m.group(3), state.find() ? state.group(1) : null, parts[1], parts[2]);
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
                throw new AssertionError("no log line for " + target + " in " + (Files.exists(log) ? Files.readString(log) : "(none)"));
            }
            Thread.sleep(10);
        }
    }
}
