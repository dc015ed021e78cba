package org.nproxy.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;

/**
 * Issue 18, bullet 5: another {@code Sec-WebSocket-Version} is answered 426; messages sent before
 * a close (normal, or a protocol error) are relayed before it; a 16 MiB frame passes by default.
 */
class WebSocketEdgeCasesIT {
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

    @Test
    void anotherVersionIsAnswered426WithVersion13() throws Exception {
        try (Rig nproxy = Rig.start(WebSocketTunnelIT.config(upstream.address(), "", ""))) {
            String raw = Http.exchange(nproxy.port(), "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n"
                + "Connection: close\r\n\r\n");
            assertEquals(426, Http.status(raw), raw);
            assertTrue(raw.toLowerCase().contains("sec-websocket-version: 13"), raw);
        }
    }

    @Test
    void aMessageBeforeANormalCloseIsAlwaysRelayedFirst() throws Exception {
        try (WsUpstream upstream = new WsUpstream("n");
             Rig nproxy = Rig.start(WebSocketTunnelIT.config(upstream.address(), "", ""))) {
            for (int i = 0; i < 100; i++) {
                WsClient.Conn conn = client.connect(nproxy.ws("/echo"));
                conn.session.sendText("m" + i, Callback.NOOP);
                conn.session.close(1000, "bye", Callback.NOOP);
                // The upstream echoes the text before it answers the close: the client must get both, in order.
                assertEquals("m" + i, conn.messages.poll(10, TimeUnit.SECONDS), "round " + i);
                assertEquals("1000 bye", conn.awaitClose(), "round " + i);
                assertEquals("text:m" + i, upstream.events.poll(10, TimeUnit.SECONDS), "round " + i);
                assertEquals("close:1000", upstream.events.poll(10, TimeUnit.SECONDS), "round " + i);
            }
        }
    }

    @Test
    void aMessageBeforeAProtocolErrorIsRelayedFirst() throws Exception {
        // An upstream of its own: no late event of another test in its queue.
        try (WsUpstream upstream = new WsUpstream("p");
             Rig nproxy = Rig.start(WebSocketTunnelIT.config(upstream.address(), "", ""))) {
            for (int i = 0; i < 50; i++) {
                try (Socket s = new Socket("127.0.0.1", nproxy.port())) {
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    out.write(("GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                    InputStream in = s.getInputStream();
                    assertTrue(head(in).startsWith("HTTP/1.1 101"), "round " + i);
                    // A text frame, then one with the reserved opcode 3 (a protocol error), in one write.
                    byte[] text = frame(0x81, ("p" + i).getBytes(StandardCharsets.UTF_8));
                    byte[] bad = frame(0x83, new byte[0]);
                    byte[] both = new byte[text.length + bad.length];
                    System.arraycopy(text, 0, both, 0, text.length);
                    System.arraycopy(bad, 0, both, text.length, bad.length);
                    out.write(both);
                    out.flush();
                    assertEquals("text:p" + i, upstream.events.poll(10, TimeUnit.SECONDS), "round " + i);
                    String close = upstream.events.poll(10, TimeUnit.SECONDS);
                    assertTrue(close != null && close.startsWith("close:"), "round " + i + ": " + close);
                }
            }
        }
    }

    @Test
    void aSixteenMebibyteFrameIsRelayedByDefault() throws Exception {
        try (Rig nproxy = Rig.start(WebSocketTunnelIT.config(upstream.address(), "", ""))) {
            WsClient.Conn conn = client.connect(nproxy.ws("/echo"));
            byte[] big = new byte[16 << 20];
            new Random(7).nextBytes(big);
            conn.session.sendBinary(ByteBuffer.wrap(big), Callback.NOOP);
            Object back = conn.messages.poll(30, TimeUnit.SECONDS);
            assertTrue(back instanceof byte[], "no echo of the 16 MiB message: " + back);
            assertArrayEquals(big, (byte[]) back);
            conn.session.close(1000, "done", Callback.NOOP);
            assertEquals("1000 done", conn.awaitClose());
        }
    }

    /** A masked client frame with a payload under 126 bytes. */
    private static byte[] frame(int firstByte, byte[] payload) {
        byte[] mask = {1, 2, 3, 4};
        byte[] f = new byte[2 + 4 + payload.length];
        f[0] = (byte) firstByte;
        f[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, f, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            f[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return f;
    }

    private static String head(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            sb.append((char) b);
        }
        return sb.toString();
    }
}
