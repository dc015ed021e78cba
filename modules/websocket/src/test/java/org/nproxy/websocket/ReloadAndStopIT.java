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

/** Tunnels outlive reloads (the old generations stop under them) and get 1001 when the server stops. */
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
}
