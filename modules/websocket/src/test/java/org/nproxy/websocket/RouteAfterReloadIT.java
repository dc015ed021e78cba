package org.nproxy.websocket;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nproxy.server.NproxyServer;
import org.nproxy.testing.Http;

/**
 * A reload that removes a tunnel's route (its location, or its location's upstream group) closes
 * the tunnel with 1001 on both sides once the old generation's drain-timeout has passed since the
 * reload; a tunnel whose route is still there, or is back by then, keeps running.
 */
class RouteAfterReloadIT {
    static final String CLOSED = "1001 " + Routes.CLOSE_REASON;
    static WsUpstream upstreamA;
    static WsUpstream upstreamB;
    static WsClient client;

    @BeforeAll
    static void start() throws Exception {
        upstreamA = new WsUpstream("a");
        upstreamB = new WsUpstream("b");
        client = new WsClient();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        upstreamB.close();
        upstreamA.close();
    }

    @BeforeEach
    void clear() {
        upstreamA.closes.clear();
        upstreamB.closes.clear();
    }

    /** drain-timeout 1s, upstream groups {@code app} (a) and {@code other} (b), then the given locations. */
    static String config(String drainTimeout, String locations) {
        return """
            <nproxy drain-timeout="%s">
              <upstream name="app"><peer address="%s"/></upstream>
              <upstream name="other"><peer address="%s"/></upstream>
              <server>
                <listen host="127.0.0.1" port="0"/>
                %s
              </server>
            </nproxy>
            """.formatted(drainTimeout, upstreamA.address(), upstreamB.address(), locations);
    }

    static String ws(String path, String upstream, String attrs) {
        return "<location path=\"" + path + "\"><websocket upstream=\"" + upstream + "\" " + attrs + "/></location>";
    }

    static void reload(Rig nproxy, String config) {
        NproxyServer.ReloadResult r = nproxy.nproxy.reload(config);
        assertTrue(r.ok(), r.message());
    }

    @Test
    void keptRouteSurvivesThreeReloadsPastTheDrainTimeout() throws Exception {
        try (Rig nproxy = Rig.start(config("1s", ws("/ws/", "app", "") + ws("/chat/", "other", "")))) {
            WsClient.Conn ws = client.connect(nproxy.ws("/ws/1"));
            WsClient.Conn chat = client.connect(nproxy.ws("/chat/1"));
            assertEquals("a", ws.text("whoami"));
            assertEquals("b", chat.text("whoami"));
            // Settings of the routes change, other locations come and go: the routes stay.
            reload(nproxy, config("1s", ws("/ws/", "app", "idle-timeout=\"5m\"") + ws("/chat/", "other", "")
                + "<location path=\"/x\"><return status=\"200\" body=\"x\"/></location>"));
            reload(nproxy, config("2s", ws("/chat/", "other", "ping-interval=\"30s\"") + ws("/ws/", "app", "")));
            reload(nproxy, config("1s", ws("/ws/", "app", "max-message-size=\"2m\"") + ws("/chat/", "other", "")
                + ws("/new/", "other", "")));
            // Past every old generation's drain-timeout since its reload, both tunnels stay open.
            await("both tunnels stay open").during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5))
                .until(() -> !ws.closed.isDone() && !chat.closed.isDone());
            assertEquals("still", ws.text("still"));
            assertEquals("here", chat.text("here"));
            assertEquals(null, upstreamA.closes.poll());
            assertEquals(null, upstreamB.closes.poll());
            ws.session.close(1000, "bye", Callback.NOOP);
            chat.session.close(1000, "bye", Callback.NOOP);
            assertEquals("1000 bye", ws.awaitClose());
            assertEquals("1000 bye", chat.awaitClose());
        }
    }

    @Test
    void removedLocationClosesItsTunnelsAfterTheDrainTimeout() throws Exception {
        try (Rig nproxy = Rig.start(config("1s", ws("/ws/", "app", "") + ws("/keep/", "app", "")))) {
            WsClient.Conn gone = client.connect(nproxy.ws("/ws/1"));
            WsClient.Conn kept = client.connect(nproxy.ws("/keep/1"));
            assertEquals("a", gone.text("whoami"));
            long start = System.nanoTime();
            reload(nproxy, config("1s", ws("/keep/", "app", "")));
            assertClosedAfterAboutOneSecond(start, gone, upstreamA);
            assertEquals("kept", kept.text("kept"));
            assertEquals(null, upstreamA.closes.poll(300, TimeUnit.MILLISECONDS));
            kept.session.close(1000, "bye", Callback.NOOP);
            assertEquals("1000 bye", kept.awaitClose());
        }
    }

    @Test
    void lastWebSocketLocationRemovedClosesItsTunnelsLikewise() throws Exception {
        try (Rig nproxy = Rig.start(config("1s", ws("/ws/", "app", "")))) {
            WsClient.Conn gone = client.connect(nproxy.ws("/ws/1"));
            assertEquals("a", gone.text("whoami"));
            long start = System.nanoTime();
            reload(nproxy, config("1s", "<location path=\"/\"><return status=\"200\" body=\"no ws\"/></location>"));
            assertClosedAfterAboutOneSecond(start, gone, upstreamA);
        }
    }

    @Test
    void locationPointedToAnotherUpstreamClosesItsTunnels() throws Exception {
        try (Rig nproxy = Rig.start(config("1s", ws("/ws/", "app", "")))) {
            WsClient.Conn old = client.connect(nproxy.ws("/ws/1"));
            assertEquals("a", old.text("whoami"));
            long start = System.nanoTime();
            reload(nproxy, config("1s", ws("/ws/", "other", "")));
            WsClient.Conn fresh = client.connect(nproxy.ws("/ws/2"));
            assertEquals("b", fresh.text("whoami"));
            assertClosedAfterAboutOneSecond(start, old, upstreamA);
            assertEquals("fresh", fresh.text("fresh"));
            fresh.session.close(1000, "bye", Callback.NOOP);
            assertEquals("1000 bye", fresh.awaitClose());
        }
    }

    @Test
    void routeRestoredBeforeTheDeadlineKeepsTheTunnel() throws Exception {
        String with = config("1s", ws("/ws/", "app", ""));
        try (Rig nproxy = Rig.start(with)) {
            WsClient.Conn conn = client.connect(nproxy.ws("/ws/1"));
            assertEquals("a", conn.text("whoami"));
            var first = nproxy.nproxy.server().generation();
            reload(nproxy, config("1s", ws("/elsewhere/", "app", "")));
            // The old generation drains and stops: the tunnel is now without route.
            await("the first generation stops").atMost(Duration.ofSeconds(10)).until(first::isStopped);
            reload(nproxy, with);
            // Past the first deadline, and past the drain-timeout of the second reload, it stays open.
            await("the tunnel stays open").during(Duration.ofMillis(2000)).atMost(Duration.ofSeconds(5))
                .until(() -> !conn.closed.isDone());
            assertEquals("kept", conn.text("kept"));
            assertEquals(null, upstreamA.closes.poll());
            conn.session.close(1000, "bye", Callback.NOOP);
            assertEquals("1000 bye", conn.awaitClose());
        }
    }

    @Test
    void theClockStartsAtTheReloadNotWhenTheOldGenerationHasDrained() throws Exception {
        String slow = "<location path=\"/slow\"><return status=\"200\" body=\"slow\" delay=\"6s\"/></location>";
        try (Rig nproxy = Rig.start(config("2s", ws("/ws/", "app", "") + ws("/keep/", "app", "") + slow))) {
            WsClient.Conn conn = client.connect(nproxy.ws("/ws/1"));
            assertEquals("a", conn.text("whoami"));
            // A request in flight holds the old generation for its whole drain-timeout.
            Thread request = Thread.ofVirtual().start(() -> {
                try {
                    Http.get(nproxy.port(), "/slow", "localhost");
                } catch (Exception ignored) {
                    // cut or answered: either is fine here
                }
            });
            await("the slow request is in flight").atMost(Duration.ofSeconds(10))
                .until(() -> nproxy.nproxy.server().generation().inFlight() > 0);
            long start = System.nanoTime();
            reload(nproxy, config("2s", ws("/keep/", "app", "")));
            assertFalse(conn.closed.isDone());
            assertEquals("1001 " + Routes.CLOSE_REASON, conn.awaitClose());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // Not drain-timeout after the drain (4s): the in-flight request and the tunnel get the same 2s.
            assertTrue(millis >= 1600 && millis < 3400, "closed after " + millis + "ms");
            assertEquals(CLOSED, upstreamA.closes.poll(5, TimeUnit.SECONDS));
            request.join(10_000);
        }
    }

    /** The tunnel works at 0.5s, then both sides get 1001 between 0.8s and 5s after the reload started. */
    private static void assertClosedAfterAboutOneSecond(long reloadStart, WsClient.Conn conn, WsUpstream upstream)
        throws Exception {
        long wait = TimeUnit.MILLISECONDS.toNanos(500) - (System.nanoTime() - reloadStart);
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        assertFalse(conn.closed.isDone(), "closed before the drain-timeout: " + conn.closed.getNow(""));
        assertEquals("early", conn.text("early"));
        assertEquals(CLOSED, conn.awaitClose());
        long clientMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - reloadStart);
        String upstreamClose = upstream.closes.poll(5, TimeUnit.SECONDS);
        long upstreamMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - reloadStart);
        assertNotNull(upstreamClose, "no close at the upstream");
        assertEquals(CLOSED, upstreamClose);
        assertTrue(clientMillis >= 800 && clientMillis < 5000, "client closed after " + clientMillis + "ms");
        assertTrue(upstreamMillis >= 800 && upstreamMillis < 5000, "upstream closed after " + upstreamMillis + "ms");
    }
}
