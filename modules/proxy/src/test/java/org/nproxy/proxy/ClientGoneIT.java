package org.nproxy.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client's side of a slow upstream exchange: its idle timeout, and the client leaving. */
class ClientGoneIT {
    private static Origin origin;

    @BeforeAll
    static void start() throws Exception {
        origin = new Origin("a");
    }

    @AfterAll
    static void stop() throws Exception {
        origin.close();
    }

    @Test
    void theListenersIdleTimeoutDoesNotCutAWaitForThePeer() throws Exception {
        // Over h2 a quiet stream times out by itself (HTTP/1.1 only watches connections that read).
        String config = Proxies.config("", List.of(origin.address()), "read-timeout=\"5s\"", "", "")
            .replace("<nproxy>", "<nproxy idle-timeout=\"500ms\">")
            .replace("port=\"0\"/>", "port=\"0\" protocols=\"h2c http/1.1\"/>");
        HttpClient h2 = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        h2.start();
        try (Rig nproxy = Rig.start(config)) {
            ContentResponse r = h2.newRequest(nproxy.uri("/stall?ms=1500")).timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, r.getStatus(), "read-timeout 5s governs a 1.5 s wait, not idle-timeout 500ms");
            assertEquals("a", r.getContentAsString());
        } finally {
            h2.stop();
        }
    }

    @Test
    void aClientResettingItsStreamEndsTheUpstreamExchangeWithoutBlamingThePeer() throws Exception {
        String config = Proxies.config("", List.of(origin.address()), "read-timeout=\"30s\"", "", "")
            .replace("port=\"0\"/>", "port=\"0\" protocols=\"h2c http/1.1\"/>");
        HttpClient h2 = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        h2.start();
        try (Rig nproxy = Rig.start(config)) {
            CompletableFuture<Result> done = new CompletableFuture<>();
            Request request = h2.newRequest(nproxy.uri("/stall?ms=4000")).timeout(20, TimeUnit.SECONDS);
            request.send(done::complete);
            waitFor(nproxy, "inflight=1", 3_000);
            long start = System.nanoTime();
            request.abort(new Exception("user pressed stop"));
            done.get(5, TimeUnit.SECONDS);
            String line = waitFor(nproxy, "inflight=0", 3_000);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 2_500, "the upstream exchange ended " + ms + " ms after the reset; the peer answers at 4 s");
            assertTrue(line.contains("failures=0") && line.contains("state=up"), "a client leaving is not the peer's fault: " + line);
        } finally {
            h2.stop();
        }
    }

    @Test
    void aClientClosingMidUploadIsNotThePeersFault() throws Exception {
        String config = Proxies.config("", List.of(origin.address()), "read-timeout=\"30s\"", "", "");
        try (Rig nproxy = Rig.start(config)) {
            try (Socket s = new Socket("127.0.0.1", nproxy.port())) {
                OutputStream out = s.getOutputStream();
                out.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[1000]);
                out.flush();
                waitFor(nproxy, "inflight=1", 5_000); // the upload is on its way to the peer
            }
            String line = waitFor(nproxy, "inflight=0", 3_000);
            assertTrue(line.contains("failures=0") && line.contains("state=up"), "a broken upload blamed the peer: " + line);
        }
    }

    @Test
    void aClientStallingMidUploadGets408AndThePeerIsNotBlamed() throws Exception {
        String config = Proxies.config("", List.of(origin.address()), "read-timeout=\"30s\"", "", "")
            .replace("<nproxy>", "<nproxy idle-timeout=\"500ms\">");
        try (Rig nproxy = Rig.start(config); Socket s = new Socket("127.0.0.1", nproxy.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
            assertTrue(answer.equals("HTTP/1.1 408"), "a stalled upload: " + answer);
            String line = waitFor(nproxy, "inflight=0", 3_000);
            assertTrue(line.contains("failures=0") && line.contains("state=up"), "a stalled upload blamed the peer: " + line);
        }
    }

    /** Polls the status page until the peer's line contains {@code what}; returns that line. */
    private static String waitFor(Rig nproxy, String what, long millis) {
        String[] line = {""};
        await("'" + what + "' on the status page").atMost(Duration.ofMillis(millis)).pollInterval(Duration.ofMillis(50))
            .until(() -> {
                String status = nproxy.get("/upstreams").getContentAsString();
                line[0] = status.lines().filter(l -> l.contains("peer=" + origin.address())).findFirst().orElse("");
                return line[0].contains(what);
            });
        return line[0];
    }
}
