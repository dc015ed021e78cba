package org.nproxy.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.concurrent.ExecutionException;
import java.util.function.DoubleSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.junit.jupiter.api.Test;

/**
 * The websocket module's meters after known traffic (tunnels open now, upgrades by result, data
 * frames and bytes each way), their removal with a location a reload takes away, and the W3C
 * {@code traceparent} the upstream gets in its handshake.
 */
class WebSocketMetersIT {
    private static String config(String peer, String dead, boolean withDead) {
        return """
            <nproxy drain-timeout="2s">
              <upstream name="app"><peer address="%s"/></upstream>
              <upstream name="gone"><peer address="%s"/></upstream>
              <server names="ws.test">
                <listen host="127.0.0.1" port="0"/>
                <location path="/"><websocket upstream="app"/></location>
                %s
              </server>
            </nproxy>
            """.formatted(peer, dead, withDead ? "<location path=\"/dead/\"><websocket upstream=\"gone\"/></location>" : "");
    }

    @Test
    void tunnelsUpgradesFramesAndBytesAreCounted() throws Exception {
        String dead;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = "127.0.0.1:" + s.getLocalPort();
        }
        try (WsUpstream upstream = new WsUpstream("a");
             WsClient client = new WsClient();
             Rig rig = Rig.start(config(upstream.address(), dead, true))) {
            // The server's registry is a composite that holds no data itself: plug a registry in.
            MeterRegistry r = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            ((io.micrometer.core.instrument.composite.CompositeMeterRegistry) rig.nproxy.server().meters()).add(r);
            ClientUpgradeRequest request = new ClientUpgradeRequest();
            request.setHeader("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            WsClient.Conn conn = client.connect(rig.ws("/echo"), request);
            String seen = upstream.handshakes.getLast().get("traceparent");
            assertTrue(seen != null && seen.matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01"), seen);
            assertNotEquals("00f067aa0ba902b7", seen.substring(36, 52), "Nproxy's hop is the upstream's parent");

            await(() -> gauge(r, "/"), 1.0);
            for (int i = 0; i < 5; i++) {
                assertEquals("hello" + i, conn.text("hello" + i)); // 6 payload bytes each way
            }
            assertEquals(5.0, counter(r, "nproxy.websocket.frames", "/", "direction", "client_to_upstream"));
            await(() -> counter(r, "nproxy.websocket.frames", "/", "direction", "upstream_to_client"), 5.0);
            assertEquals(30.0, counter(r, "nproxy.websocket.bytes", "/", "direction", "client_to_upstream"));
            assertEquals(30.0, counter(r, "nproxy.websocket.bytes", "/", "direction", "upstream_to_client"));
            assertEquals(1.0, counter(r, "nproxy.websocket.upgrades", "/", "result", "ok"));

            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> client.client.connect(new WsClient.Conn(), rig.ws("/deny"), new ClientUpgradeRequest()).get())
                .getCause().getMessage().contains("403"));
            assertEquals(1.0, counter(r, "nproxy.websocket.upgrades", "/", "result", "refused"));
            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> client.client.connect(new WsClient.Conn(), rig.ws("/dead/x"), new ClientUpgradeRequest()).get())
                .getCause().getMessage().contains("502"));
            assertEquals(1.0, counter(r, "nproxy.websocket.upgrades", "/dead/", "result", "failed"));

            conn.session.close();
            conn.awaitClose();
            await(() -> gauge(r, "/"), 0.0);

            // The reload takes /dead/ away: its series go after the drain; / keeps counting.
            assertTrue(rig.nproxy.reload(config(upstream.address(), dead, false)).ok());
            await(() -> r.find("nproxy.websocket.upgrades").tags("location", "/dead/").counters().size(), 0.0);
            assertNull(r.find("nproxy.websocket.tunnels").tags("location", "/dead/").gauge());
            assertEquals(1.0, counter(r, "nproxy.websocket.upgrades", "/", "result", "ok"), "a kept location keeps its counts");
        }
    }

    private static double gauge(MeterRegistry r, String location) {
        Gauge g = r.find("nproxy.websocket.tunnels").tags("server", "ws.test", "location", location).gauge();
        return g == null ? -1 : g.value();
    }

    private static double counter(MeterRegistry r, String name, String location, String tag, String value) {
        Counter c = r.find(name).tags("server", "ws.test", "location", location, tag, value).counter();
        return c == null ? -1 : c.count();
    }

    private static void await(DoubleSupplier value, double want) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        double v = value.getAsDouble();
        while (v != want && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = value.getAsDouble();
        }
        assertEquals(want, v);
    }
}
