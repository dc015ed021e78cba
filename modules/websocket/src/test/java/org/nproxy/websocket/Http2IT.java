package org.nproxy.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WebSocket over HTTP/2 (RFC 8441 extended CONNECT) from the client to Nproxy, HTTP/1.1 to the
 * upstream. The core on this branch has no h2 listener yet, so the test adds an h2c-only
 * connector to Nproxy's Jetty server under the listener's name (the dispatcher routes by that
 * name): a handshake that works on it was an HTTP/2 one.
 */
class Http2IT {
    static WsUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        upstream = new WsUpstream("h2");
    }

    @AfterAll
    static void stop() throws Exception {
        upstream.close();
    }

    @Test
    void extendedConnectOverH2cIsTunnelled() throws Exception {
        try (Rig nproxy = Rig.start(WebSocketTunnelIT.config(upstream.address(), "max-message-size=\"2m\"", ""))) {
            Server jetty = nproxy.nproxy.server().jetty();
            ServerConnector http1 = (ServerConnector) jetty.getConnectors()[0];
            HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(new HttpConfiguration());
            h2c.setConnectProtocolEnabled(true);
            ServerConnector h2 = new ServerConnector(jetty, 1, 1, h2c);
            h2.setHost("127.0.0.1");
            h2.setPort(0);
            h2.setName(http1.getName());
            jetty.addConnector(h2);
            h2.start();

            HttpClient http = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
            try (WsClient client = new WsClient(http)) {
                ClientUpgradeRequest request = new ClientUpgradeRequest();
                request.setSubProtocols(List.of("chat"));
                request.setHeader("X-Custom", "over-h2");
                WsClient.Conn conn = client.connect(URI.create("ws://127.0.0.1:" + h2.getLocalPort() + "/h2?x=1"), request);
                assertEquals("chat", conn.session.getUpgradeResponse().getAcceptedSubProtocol());
                assertEquals("over-h2", upstream.handshakes.getLast().get("X-Custom"));
                Random random = new Random(7);
                for (int i = 0; i < 60; i++) {
                    int size = i % 20 == 0 ? 1 << 20 : random.nextInt(4096);
                    if (i % 2 == 0) {
                        byte[] bytes = new byte[size];
                        random.nextBytes(bytes);
                        conn.session.sendBinary(ByteBuffer.wrap(bytes), Callback.NOOP);
                        assertArrayEquals(bytes, (byte[]) conn.next(), "message " + i);
                    } else {
                        String text = "t".repeat(size) + i;
                        assertEquals(text, conn.text(text), "message " + i);
                    }
                }
                upstream.closes.clear();
                conn.session.close(4005, "h2 bye", Callback.NOOP);
                assertEquals("4005 h2 bye", upstream.closes.poll(5, TimeUnit.SECONDS));
                // Known race (see docs/websocket.md): over h2 the echo of a close the client started
                // sometimes loses to the stream's end and the client sees stream_closed (or, more
                // rarely, a ClosedChannelException) instead.
                // The relay itself (the upstream got 4005 above) is what this test pins down.
                String clientSaw = conn.awaitClose();
                assertTrue(clientSaw.equals("4005 h2 bye") || clientSaw.contains("stream_closed")
                    || clientSaw.contains("ClosedChannelException"), clientSaw);
            }
        }
    }
}
