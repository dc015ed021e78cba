package org.nproxy.websocket;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a tunnel holds (docs/performance.md, "WebSocket"): an idle tunnel keeps no network buffer
 * (of the server's pool, which the upstream side shares), and a burst of handshakes does not grow
 * the upstream client's pool past a few threads per core.
 */
class TunnelFootprintIT {
    private static final Pattern PROXY_UPSTREAM_THREAD = Pattern.compile("ws-upstream-\\d+");
    static WsUpstream upstream;
    static WsClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = new WsUpstream("fp");
        client = new WsClient();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        upstream.close();
    }

    /** Bytes of the server's pool handed out and not yet given back. */
    private static long inUse(ByteBufferPool pool) {
        ArrayByteBufferPool p = assertInstanceOf(ArrayByteBufferPool.class, pool, "the server's buffer pool");
        return p.getDirectMemory() - p.getAvailableDirectMemory() + p.getHeapMemory() - p.getAvailableHeapMemory();
    }

    @Test
    void idleTunnelsHoldNoBuffers() throws Exception {
        try (Rig nproxy = Rig.start(WebSocketTunnelIT.config(upstream.address(), "", ""))) {
            ByteBufferPool pool = nproxy.nproxy.server().jetty().getByteBufferPool();
            long before = inUse(pool);

            // 50 tunnels, each echoes a 100 KiB message (every read buffer of both hops is used), then idles.
            byte[] big = new byte[100 * 1024];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            List<WsClient.Conn> idle = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                WsClient.Conn c = client.connect(nproxy.ws("/idle"));
                c.session.sendBinary(ByteBuffer.wrap(big), Callback.NOOP);
                assertArrayEquals(big, (byte[]) c.next());
                idle.add(c);
            }
            await("idle tunnels give their buffers back").atMost(Duration.ofSeconds(10))
                .until(() -> inUse(pool) - before <= 16 * 1024);

            for (WsClient.Conn c : idle) {
                c.session.close(1000, "done", Callback.NOOP);
            }
        }
    }

    @Test
    void aBurstOfHandshakesKeepsTheUpstreamPoolSmall() throws Exception {
        try (Rig nproxy = Rig.start(WebSocketTunnelIT.config(upstream.address(), "", ""))) {
            List<CompletableFuture<?>> opening = new ArrayList<>();
            List<WsClient.Conn> conns = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                WsClient.Conn c = new WsClient.Conn();
                conns.add(c);
                opening.add(client.client.connect(c, nproxy.ws("/burst")));
            }
            CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            for (WsClient.Conn c : conns) {
                assertTrue(c.text("hi").equals("hi"));
            }
            long threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> PROXY_UPSTREAM_THREAD.matcher(t.getName()).matches()).count();
            int cap = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
            assertTrue(threads <= cap, threads + " threads in the upstream client's pool after 200 handshakes (cap " + cap + ")");
            for (WsClient.Conn c : conns) {
                c.session.close(1000, "done", Callback.NOOP);
            }
        }
    }
}
