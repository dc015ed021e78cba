package org.nproxy.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.eclipse.jetty.websocket.api.Callback;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;

/**
 * Issue 18, bullet 4: a location with {@code <proxy>} alone carries WebSocket upgrades (the
 * websocket module's {@link WebSocketTunnelProvider}, found through the SPI), and plain requests
 * of the same location are still proxied.
 */
class WebSocketThroughProxyIT {
    @Test
    void proxyAloneCarriesWebSocket() throws Exception {
        try (WsUpstream upstream = new WsUpstream("a"); WsClient client = new WsClient();
             Rig nproxy = Rig.start("""
                 <nproxy>
                   <upstream name="app"><peer address="%s"/></upstream>
                   <server>
                     <listen host="127.0.0.1" port="0"/>
                     <location path="/"><proxy upstream="app"/></location>
                   </server>
                 </nproxy>
                 """.formatted(upstream.address()))) {
            WsClient.Conn conn = client.connect(nproxy.ws("/chat"));
            assertEquals("hello", conn.text("hello"));
            assertEquals("a", conn.text("whoami"));
            assertEquals("127.0.0.1", upstream.handshakes.getLast().get("X-Forwarded-For"));
            conn.session.close(1000, "done", Callback.NOOP);
            assertEquals("1000 done", conn.awaitClose());
            // the WebSocket upstream is plain Jetty: a plain GET through the same <proxy> gets its 404
            String raw = Http.get(nproxy.port(), "/plain", "a");
            assertEquals(404, Http.status(raw), raw);
        }
    }
}
