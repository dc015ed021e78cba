package org.nproxy.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.nproxy.server.internal.Handover;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * The old process's side of an upgrade ({@link NproxyServer#handover()}) and {@code <ready/>}:
 * in-flight requests finish, keep-alive clients are told to go, readiness says 503, idle
 * connections are closed, and a plain second bind on a listening port still fails.
 */
class HandoverIT {
    private static final String CONFIG = """
        <nproxy drain-timeout="20s">
          <server><listen host="127.0.0.1" port="0"/>
            <location path="= /ready"><ready/></location>
            <location path="= /slow"><return body="slow" delay="1500ms"/></location>
            <location path="/"><return body="ok"/></location>
          </server>
        </nproxy>""";

    /** One thread per task: the common pool has a single worker on two cores. */
    private static final java.util.concurrent.Executor THREADS = r -> Thread.ofPlatform().start(r);

    @Test
    void handoverFinishesInFlightRequestsAndSendsKeepAliveClientsAway() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(CONFIG);
             Socket keepAlive = new Socket("127.0.0.1", nproxy.port())) {
            keepAlive.setSoTimeout(10_000);
            assertTrue(exchange(keepAlive, "/ready").contains("200 OK"), "ready while serving");
            CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.get(nproxy.port(), "/slow", "x");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            await("the slow request is in flight").atMost(Duration.ofSeconds(10))
                .until(() -> nproxy.server().generation().inFlight() > 0);
            long t0 = System.nanoTime();
            CompletableFuture<Handover.Report> handover = CompletableFuture.supplyAsync(() -> {
                try {
                    return nproxy.server().handover();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            String[] answer = {""};
            await("/ready answers draining").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> (answer[0] = exchange(keepAlive, "/ready")).contains("draining"));
            String draining = answer[0];
            assertTrue(draining.contains("503") && draining.contains("draining"), draining);
            assertTrue(draining.toLowerCase().contains("connection: close"), draining);
            assertEquals(-1, keepAlive.getInputStream().read(), "the connection closes after that answer");
            assertEquals("slow", Http.body(slow.get(10, TimeUnit.SECONDS)), "the in-flight request finished");
            Handover.Report report = handover.get(20, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(0, report.cut(), report.toString());
            assertTrue(report.requests() >= 1, "the slow request was in flight: " + report);
            assertTrue(millis < 10_000, "done once drained, not at the 20s timeout: " + millis + "ms");
        }
    }

    @Test
    void aSecondInstanceOnAPortInUseStillFailsDespiteReusePort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (NproxyFixture first = NproxyFixture.start(CONFIG.replace("port=\"0\"", "port=\"" + port + "\""))) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> NproxyFixture.start(CONFIG.replace("port=\"0\"", "port=\"" + port + "\"")).close());
            assertTrue(String.valueOf(e.getMessage()).contains("cannot bind"), e.toString());
            assertEquals("ok", Http.body(Http.get(first.port(), "/", "x")));
        }
    }

    /** One HTTP/1.1 exchange on a kept-alive socket; returns head and body (small bodies only). */
    private static String exchange(Socket socket, String path) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder response = new StringBuilder();
        int contentLength = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                return response.toString();
            }
            response.append((char) c);
            if (response.toString().endsWith("\r\n\r\n")) {
                for (String line : response.toString().split("\r\n")) {
                    if (line.toLowerCase().startsWith("content-length:")) {
                        contentLength = Integer.parseInt(line.substring(15).trim());
                    }
                }
                break;
            }
        }
        for (int i = 0; i < contentLength; i++) {
            response.append((char) in.read());
        }
        return response.toString();
    }
}
