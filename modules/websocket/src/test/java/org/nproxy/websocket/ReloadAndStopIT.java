package org.nproxy.websocket;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.server.NproxyServer;

/**
 * Tunnels outlive reloads (the old generations stop under them), get 1001 when the server stops, and
 * drain on the old process of an upgrade, including one whose upgrade arrives as the hand-over starts.
 */
class ReloadAndStopIT {
    static WsUpstream upstream;
    static WsClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = new WsUpstream("r");
        client = new WsClient();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        upstream.close();
    }

    static String config(int n) {
        return WebSocketTunnelIT.config(upstream.address(), "idle-timeout=\"" + (60 + n) + "s\"",
            "<location path=\"= /version\"><return status=\"200\" body=\"v" + n + "\"/></location>");
    }

    @Test
    void tunnelSurvivesTenReloadsWhileCarryingTraffic() throws Exception {
        try (Rig nproxy = Rig.start(config(0))) {
            WsClient.Conn conn = client.connect(nproxy.ws("/live"));
            int upgradesBefore = upstream.upgrades.get();
            AtomicInteger echoed = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread traffic = Thread.ofPlatform().name("traffic").start(() -> {
                try {
                    for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                        String m = "message " + i;
                        conn.session.sendText(m, Callback.NOOP);
                        Object got = conn.messages.poll(10, TimeUnit.SECONDS);
                        if (!m.equals(got)) {
                            throw new AssertionError("expected " + m + " got " + got);
                        }
                        echoed.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            List<Long> generations = new ArrayList<>();
            List<org.nproxy.server.internal.Generation> olds = new ArrayList<>();
            for (int n = 1; n <= 10; n++) {
                int before = echoed.get();
                olds.add(nproxy.nproxy.server().generation());
                NproxyServer.ReloadResult r = nproxy.nproxy.reload(config(n));
                assertTrue(r.ok(), r.message());
                generations.add(r.generation());
                int reload = n;
                await("traffic flows after reload " + reload).atMost(Duration.ofSeconds(10))
                    .until(() -> echoed.get() >= before + 20 || failure.get() != null);
                assertTrue(echoed.get() >= before + 20, "traffic kept flowing after reload " + n);
            }
            // The old generations drain and stop under the tunnel; then it must still carry traffic.
            for (var old : olds) {
                await("generation " + old.id() + " stops").atMost(Duration.ofSeconds(10)).until(old::isStopped);
            }
            int before = echoed.get();
            await("traffic after the old generations stopped").atMost(Duration.ofSeconds(10))
                .until(() -> echoed.get() > before + 20 || failure.get() != null);
            traffic.interrupt();
            traffic.join(10_000);
            assertEquals(null, failure.get());
            assertTrue(echoed.get() > before, "still flowing after the old generations stopped");
            assertEquals(11L, generations.getLast());
            assertEquals(upgradesBefore, upstream.upgrades.get(), "the same upstream connection all along");
            assertFalse(conn.closed.isDone());
            // The echo of a message sent just before the interrupt may still arrive: skip it.
            String marker = "after";
            conn.session.sendText(marker, Callback.NOOP);
            await("the marker's echo").atMost(Duration.ofSeconds(10)).until(() -> conn.messages.contains(marker));
            // A new tunnel in the newest generation works too.
            WsClient.Conn fresh = client.connect(nproxy.ws("/fresh"));
            assertEquals("fresh", fresh.text("fresh"));
            conn.session.close(1000, "bye", Callback.NOOP);
            fresh.session.close(1000, "bye", Callback.NOOP);
            assertEquals("1000 bye", conn.awaitClose());
            assertEquals("1000 bye", fresh.awaitClose());
        }
    }

    @Test
    void stopClosesTunnelsWithGoingAway() throws Exception {
        Rig nproxy = Rig.start(config(0));
        List<WsClient.Conn> conns = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WsClient.Conn c = client.connect(nproxy.ws("/s" + i));
            assertEquals("x" + i, c.text("x" + i));
            conns.add(c);
        }
        upstream.closes.clear();
        long start = System.nanoTime();
        nproxy.nproxy.close();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (WsClient.Conn c : conns) {
            assertEquals("1001 server stopping", c.awaitClose());
        }
        for (int i = 0; i < 3; i++) {
            assertEquals("1001 server stopping", upstream.closes.poll(5, TimeUnit.SECONDS));
        }
        assertTrue(millis < 5000, "stop took " + millis + "ms");
    }

    /**
     * The old process of an upgrade answers HTTP/1.x with {@code Connection: close} once it hands over,
     * but not an upgrade: a client that opened its tunnel in that instant would drop it at once. And a
     * tunnel that idles while the old process drains stays open.
     */
    @Test
    void aTunnelWhoseUpgradeArrivesAsTheProcessHandsOverStaysAndDrains() throws Exception {
        String config = WebSocketTunnelIT.config(upstream.address(), "", "<location path=\"= /ready\"><ready/></location>");
        try (Rig nproxy = Rig.start(config);
             java.net.Socket upgrading = new java.net.Socket("127.0.0.1", nproxy.port());
             java.net.Socket probe = new java.net.Socket("127.0.0.1", nproxy.port())) {
            upgrading.setSoTimeout(10_000);
            probe.setSoTimeout(10_000);
            // An open tunnel keeps the hand-over draining while the test runs.
            WsClient.Conn open = client.connect(nproxy.ws("/open"));
            assertEquals("a", open.text("a"));
            java.io.OutputStream out = upgrading.getOutputStream();
            out.write("GET /racing HTTP/1.1\r\nHost: localhost\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.util.concurrent.CompletableFuture<org.nproxy.server.internal.Handover.Report> handover =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return nproxy.nproxy.server().handover();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, r -> Thread.ofPlatform().start(r));
            // Until /ready says draining, one more header line each time keeps the upgrading connection busy
            // (the hand-over closes HTTP connections idle for a second).
            for (int i = 0; ; i++) {
                out.write(("X-Wait: " + i + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String ready = exchange(probe, "GET /ready HTTP/1.1\r\nHost: localhost\r\n\r\n");
                if (ready.contains("draining")) {
                    break;
                }
                assertTrue(i < 200, "the hand-over started");
                Thread.sleep(20);
            }
            out.write(("Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String head = readHead(upgrading.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            assertFalse(head.toLowerCase(java.util.Locale.ROOT).contains("close"), "no Connection: close on the 101: " + head);
            // The tunnel carries a message both ways: a masked text frame "hi", its unmasked echo.
            byte[] mask = {1, 2, 3, 4};
            out.write(new byte[] {(byte) 0x81, (byte) 0x82, mask[0], mask[1], mask[2], mask[3], (byte) ('h' ^ 1), (byte) ('i' ^ 2)});
            byte[] echo = upgrading.getInputStream().readNBytes(4);
            assertEquals("81 02 68 69", java.util.HexFormat.ofDelimiter(" ").formatHex(echo), "the echo of hi");
            assertFalse(handover.isDone(), "the old process drains its tunnels");
            // A tunnel idle for longer than a second is drained too, not timed out (Jetty's connector
            // shutdown would cut every idle timeout to one second).
            Thread.sleep(1500);
            assertEquals("b", open.text("b"), "the idle tunnel still echoes");
            // Both tunnels end from the client side; the drain then ends without cutting anything.
            out.write(new byte[] {(byte) 0x88, (byte) 0x82, mask[0], mask[1], mask[2], mask[3], (byte) (0x03 ^ 1), (byte) (0xE8 ^ 2)});
            open.session.close(1000, "bye", Callback.NOOP);
            org.nproxy.server.internal.Handover.Report report = handover.get(20, TimeUnit.SECONDS);
            assertEquals(0, report.cut(), report.toString());
        }
    }

    /** Sends a request on a kept-alive connection and reads its answer (Content-Length bodies only). */
    private static String exchange(java.net.Socket socket, String request) throws java.io.IOException {
        socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        java.io.InputStream in = socket.getInputStream();
        String head = readHead(in);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
        int n = length.find() ? Integer.parseInt(length.group(1)) : 0;
        return head + new String(in.readNBytes(n), java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static String readHead(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("closed after: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
