package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;

/**
 * Issue 18, bullet 4, the other half: this module's tests run without the websocket module on the
 * class path, so the registry has no {@code TunnelProvider}, and a WebSocket upgrade through
 * {@code <proxy>} gets 501 naming the fix (the websocket module's {@code WebSocketThroughProxyIT}
 * covers the case with it). Before, the upgrade went to the peer as a plain GET.
 */
class UpgradeWithoutModuleIT {
    @Test
    void aWebSocketUpgradeIs501WithoutTheModule() throws Exception {
        try (Origin origin = new Origin("a"); Rig nproxy = Rig.start(Proxies.simple(origin.address()))) {
            String raw = Http.exchange(nproxy.port(), "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade, close\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertEquals(501, Http.status(raw), raw);
            assertTrue(Http.body(raw).contains("install the websocket module"), raw);
            assertEquals(0, origin.requests.get(), "nothing reached the peer");
            // other upgrade tokens are not ours: proxied as a plain request (Upgrade is hop-by-hop)
            raw = Http.exchange(nproxy.port(), "GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n"
                + "Connection: Upgrade, close\r\n\r\n");
            assertEquals(200, Http.status(raw), raw);
            assertTrue(!Http.body(raw).toLowerCase().contains("upgrade"), raw);
        }
    }
}
