package org.nproxy.websocket;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.config.ConfigException;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/** Jetty's WebSocket client through Nproxy to a real Jetty WebSocket upstream, over HTTP/1.1. */
class WebSocketTunnelIT {
    static WsUpstream upstream;
    static WsClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = new WsUpstream("a");
        client = new WsClient();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        upstream.close();
    }

    static String config(String peer, String websocketAttrs, String extra) {
        return """
            <nproxy>
              <upstream name="app"><peer address="%s"/></upstream>
              <server>
                <listen host="127.0.0.1" port="0"/>
                %s
                <location path="/"><websocket upstream="app" %s/><return status="200" body="plain http"/></location>
              </server>
            </nproxy>
            """.formatted(peer, extra, websocketAttrs);
    }

    @Test
    void thousandMixedMessagesEchoByteForByte() throws Exception {
        try (Rig nproxy = Rig.start(config(upstream.address(), "max-message-size=\"2m\"", ""))) {
            ClientUpgradeRequest request = new ClientUpgradeRequest();
            request.setSubProtocols(List.of("chat", "other"));
            request.setHeader("Cookie", "session=abc");
            request.setHeader("Authorization", "Bearer t0k3n");
            request.setHeader("X-Custom", "custom-value");
            WsClient.Conn conn = client.connect(nproxy.ws("/chat?room=1"), request);
            assertEquals("chat", conn.session.getUpgradeResponse().getAcceptedSubProtocol());
            assertEquals("a", conn.session.getUpgradeResponse().getHeader("X-Upstream"));
            assertTrue(conn.session.getUpgradeResponse().getHeaders("Set-Cookie").contains("up=1; Path=/"));
            HttpFields seen = upstream.handshakes.getLast();
            assertEquals("session=abc", seen.get("Cookie"));
            assertEquals("Bearer t0k3n", seen.get("Authorization"));
            assertEquals("custom-value", seen.get("X-Custom"));
            assertEquals("127.0.0.1", seen.get("X-Forwarded-For"));
            assertEquals("127.0.0.1:" + nproxy.port(), seen.get("Host"));

            Random random = new Random(42);
            List<Object> sent = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int size = switch (i % 20) {
                    case 0 -> 1 << 20; // 1 MiB, exactly
                    case 1, 2 -> 64 * 1024 + random.nextInt(512 * 1024);
                    default -> random.nextInt(2048);
                };
                if (random.nextBoolean()) {
                    StringBuilder text = new StringBuilder(size);
                    while (text.length() < size) {
                        text.append(random.nextInt(10) == 0 ? 'é' : (char) ('a' + random.nextInt(26)));
                    }
                    sent.add(text.toString());
                } else {
                    byte[] bytes = new byte[size];
                    random.nextBytes(bytes);
                    sent.add(bytes);
                }
            }
            // Pipelined in windows of 25: the relay holds one frame per direction, the rest waits in TCP.
            int window = 25;
            for (int start = 0; start < sent.size(); start += window) {
                int end = Math.min(sent.size(), start + window);
                for (int i = start; i < end; i++) {
                    Object m = sent.get(i);
                    if (m instanceof String s) {
                        conn.session.sendText(s, Callback.NOOP);
                    } else {
                        conn.session.sendBinary(ByteBuffer.wrap((byte[]) m), Callback.NOOP);
                    }
                }
                for (int i = start; i < end; i++) {
                    Object expected = sent.get(i);
                    Object got = conn.next();
                    if (expected instanceof String s) {
                        assertEquals(s, got, "message " + i);
                    } else {
                        assertArrayEquals((byte[]) expected, (byte[]) got, "message " + i);
                    }
                }
            }
            conn.session.close(1000, "done", Callback.NOOP);
            assertEquals("1000 done", conn.awaitClose());
        }
    }

    @Test
    void fragmentsAndPingsPassThrough() throws Exception {
        try (Rig nproxy = Rig.start(config(upstream.address(), "", ""))) {
            WsClient.Conn conn = client.connect(nproxy.ws("/frames"));
            upstream.fragments.clear();
            conn.session.sendPartialText("hel", false, Callback.NOOP);
            conn.session.sendPartialText("lo ", false, Callback.NOOP);
            conn.session.sendPartialText("world", true, Callback.NOOP);
            assertEquals("hello world", conn.next());
            List<String> atUpstream = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                atUpstream.add(upstream.fragments.poll(5, TimeUnit.SECONDS));
            }
            assertEquals(List.of("hel", "lo ", "world|fin"), atUpstream);
            List<String> atClient = new ArrayList<>();
            conn.partials.drainTo(atClient);
            assertEquals(List.of("hel", "lo ", "world|fin"), atClient);

            conn.session.sendPing(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
            ByteBuffer pong = conn.pongs.poll(5, TimeUnit.SECONDS);
            assertEquals("are you there", StandardCharsets.UTF_8.decode(pong).toString());
            conn.session.close(1000, "done", Callback.NOOP);
            assertEquals("1000 done", conn.awaitClose());
        }
    }

    @Test
    void closeCodesAndReasonsBothWays() throws Exception {
        try (Rig nproxy = Rig.start(config(upstream.address(), "", ""))) {
            WsClient.Conn fromClient = client.connect(nproxy.ws("/x"));
            assertEquals("hi", fromClient.text("hi"));
            upstream.closes.clear();
            fromClient.session.close(4001, "client says bye", Callback.NOOP);
            assertEquals("4001 client says bye", upstream.closes.poll(5, TimeUnit.SECONDS));
            assertEquals("4001 client says bye", fromClient.awaitClose());

            WsClient.Conn fromUpstream = client.connect(nproxy.ws("/y"));
            fromUpstream.session.sendText("close:4002:upstream says bye", Callback.NOOP);
            assertEquals("4002 upstream says bye", fromUpstream.awaitClose());
        }
    }

    @Test
    void upstreamRefusalReachesClientWithStatusAndBody() throws Exception {
        try (Rig nproxy = Rig.start(config(upstream.address(), "", ""))) {
            // Its own client: a refused upgrade leaves a keep-alive connection, and the core's stop waits for those.
            try (WsClient own = new WsClient()) {
                ExecutionException e = assertThrows(ExecutionException.class,
                    () -> own.client.connect(new WsClient.Conn(), nproxy.ws("/deny")).get(10, TimeUnit.SECONDS));
                UpgradeException refused = assertInstanceOf(UpgradeException.class, e.getCause());
                assertEquals(403, refused.getResponseStatusCode());
            }

            String raw = Http.exchange(nproxy.port(), upgrade("/deny", ""));
            assertEquals(403, Http.status(raw));
            assertEquals("denied by upstream", Http.body(raw));
            assertTrue(raw.contains("X-Denied: yes"), raw);
        }
    }

    @Test
    void unreachableUpstreamGives502AndPlainRequestsFallThrough() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (Rig nproxy = Rig.start(config("127.0.0.1:" + closedPort, "", ""))) {
            String raw = Http.exchange(nproxy.port(), upgrade("/ws", ""));
            assertEquals(502, Http.status(raw), raw);
            String plain = Http.get(nproxy.port(), "/ws", "localhost");
            assertEquals(200, Http.status(plain), plain);
            assertEquals("plain http", Http.body(plain));
        }
    }

    @Test
    void originAllowListAndMessageSizeLimit() throws Exception {
        String cfg = config(upstream.address(), "origins=\"https://good.example\" max-message-size=\"1k\"", "");
        try (Rig nproxy = Rig.start(cfg)) {
            String raw = Http.exchange(nproxy.port(), upgrade("/ws", "Origin: https://evil.example\r\n"));
            assertEquals(403, Http.status(raw), raw);

            ClientUpgradeRequest good = new ClientUpgradeRequest();
            good.setHeader("Origin", "https://GOOD.example:443");
            WsClient.Conn conn = client.connect(nproxy.ws("/ws"), good);
            assertEquals("small", conn.text("small"));
            conn.session.sendText("x".repeat(2048), Callback.NOOP);
            assertTrue(conn.awaitClose().startsWith("1009 "), "too big a message closes with 1009");
        }
    }

    @Test
    void idleTunnelsCloseAndPingsKeepThemOpen() throws Exception {
        try (Rig idle = Rig.start(config(upstream.address(), "idle-timeout=\"1s\"", ""))) {
            WsClient.Conn conn = client.connect(idle.ws("/idle"));
            assertEquals("once", conn.text("once"));
            long start = System.nanoTime();
            String closed = conn.awaitClose();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closed.startsWith("1001 "), closed);
            assertTrue(millis >= 800 && millis < 8000, "closed after " + millis + "ms");
        }
        try (Rig pinging = Rig.start(config(upstream.address(), "idle-timeout=\"1s\" ping-interval=\"250ms\"", ""))) {
            WsClient.Conn conn = client.connect(pinging.ws("/kept"));
            // Two and a half idle timeouts: the pings keep the tunnel open all along.
            await("pings keep the tunnel open").during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5))
                .until(() -> !conn.closed.isDone());
            assertEquals("still here", conn.text("still here"));
            assertTrue(conn.pongs.isEmpty(), "answers to Nproxy's pings are not relayed");
            conn.session.close(1000, "bye", Callback.NOOP);
            assertEquals("1000 bye", conn.awaitClose());
        }
    }

    @Test
    void permessageDeflateIsNegotiatedPerHop() throws Exception {
        try (Rig nproxy = Rig.start(config(upstream.address(), "max-message-size=\"2m\"", ""))) {
            ClientUpgradeRequest request = new ClientUpgradeRequest();
            request.addExtensions("permessage-deflate");
            WsClient.Conn conn = client.connect(nproxy.ws("/deflate"), request);
            assertEquals(List.of("permessage-deflate"), conn.session.getUpgradeResponse().getExtensions().stream()
                .map(e -> e.getName()).toList());
            assertTrue(upstream.handshakes.getLast().get("Sec-WebSocket-Extensions").contains("permessage-deflate"));
            String big = "compressible ".repeat(50_000);
            assertEquals(big, conn.text(big));
            byte[] bytes = new byte[300_000];
            new Random(3).nextBytes(bytes);
            conn.session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
            assertArrayEquals(bytes, (byte[]) conn.next());
            conn.session.close(1000, "done", Callback.NOOP);
            assertEquals("1000 done", conn.awaitClose());
        }
    }

    @Test
    void badConfigurationIsReportedWithPosition() {
        ConfigException e = assertThrows(ConfigException.class, () -> NproxyFixture.start("""
            <nproxy>
              <upstream name="app"><peer address="127.0.0.1:1"/></upstream>
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/"><websocket upstream="nope" idle-timeout="soon" origins="ftp:"/></location>
              </server>
            </nproxy>
            """));
        String m = e.getMessage();
        assertTrue(m.contains("unknown upstream 'nope'"), m);
        assertTrue(m.contains("idle-timeout"), m);
        assertTrue(m.contains("bad origin 'ftp:'"), m);
        assertTrue(m.contains(":4:"), m);
    }

    static String upgrade(String path, String extraHeaders) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n";
    }
}
