package org.nproxy.websocket;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A client that does not read stops an upstream that floods it; reading again lets it go on. */
class BackPressureIT {
    static WsUpstream upstream;
    static WsClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = new WsUpstream("bp");
        client = new WsClient();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        upstream.close();
    }

    /** Reads only when told to (no auto-demand). */
    public static final class SlowReader implements Session.Listener {
        volatile Session session;
        final AtomicLong received = new AtomicLong();
        volatile boolean reading;

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            received.addAndGet(payload.remaining());
            callback.succeed();
            if (reading) {
                session.demand();
            }
        }
    }

    @Test
    void slowReaderSlowsTheWriterAndMemoryStaysBounded() throws Exception {
        Rig nproxy = Rig.start(WebSocketTunnelIT.config(upstream.address(), "", ""));
        try {
            SlowReader reader = new SlowReader();
            client.client.connect(reader, nproxy.ws("/flood")).get(10, java.util.concurrent.TimeUnit.SECONDS);
            // Not reading: the flood fills the socket buffers of both hops, then must stop.
            long stalled = awaitStall();
            System.out.println("upstream stalled after " + stalled + " bytes");
            assertEquals(0, reader.received.get());
            assertTrue(stalled < 64L * 1024 * 1024, "upstream pushed " + stalled + " bytes into a reader that reads nothing");
            await("the upstream stays stopped").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> upstream.flooded.get() - stalled <= 256 * 1024);

            reader.reading = true;
            reader.session.demand();
            long target = stalled + 32L * 1024 * 1024;
            await("reading again lets the upstream write again").atMost(Duration.ofSeconds(20))
                .until(() -> upstream.flooded.get() >= target);
            assertTrue(reader.received.get() >= 32L * 1024 * 1024, "and the bytes arrive: " + reader.received.get());
            // The close handshake completes even with frames still in flight behind the close.
            reader.session.close(1000, "enough", Callback.NOOP);
            await("the tunnel finishes its close handshake").atMost(Duration.ofSeconds(10))
                .until(() -> nproxy.connections() == 0);
        } finally {
            nproxy.close();
        }
    }

    /** Waits until the upstream has not written for 500ms; returns the bytes written by then. */
    private static long awaitStall() {
        long[] last = {-1};
        await("the upstream stops writing").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
            .until(() -> {
                long now = upstream.flooded.get();
                boolean still = now == last[0] && now > 0;
                last[0] = now;
                return still;
            });
        return last[0];
    }
}
