package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;

/**
 * Issue 18, bullet 2: request heads of 8-16 KiB (cookies, JWTs) that the listener accepted are
 * forwarded; one the proxy cannot send is the client's error (431) and never the peer's.
 */
class LargeHeadersIT {
    static Origin origin;

    @BeforeAll
    static void start() throws Exception {
        origin = new Origin("a");
        // Jetty's default 8 KiB would make the origin itself answer 431.
        origin.connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration()
            .setRequestHeaderSize(64 * 1024);
    }

    @AfterAll
    static void stop() throws Exception {
        origin.close();
    }

    private static String request(int cookieBytes) {
        return "GET /echo HTTP/1.1\r\nHost: a\r\nCookie: jwt=" + "x".repeat(cookieBytes)
            + "\r\nConnection: close\r\n\r\n";
    }

    @Test
    void headsUpToTheListenerLimitAreForwarded() throws Exception {
        // max-fails=1: one failure counted against the only peer would take it out (502 next).
        String config = Proxies.config("", List.of(origin.address()), "", "", "").replace(
            "address=\"" + origin.address() + "\"", "address=\"" + origin.address() + "\" max-fails=\"1\"");
        try (Rig nproxy = Rig.start(config)) {
            for (int size : new int[] {9 * 1024, 12 * 1024, 15 * 1024}) {
                String raw = Http.exchange(nproxy.port(), request(size));
                assertEquals(200, Http.status(raw), size + ": " + (raw.length() > 300 ? raw.substring(0, 300) : raw));
                assertTrue(Http.body(raw).contains("x".repeat(size)), "the whole cookie reached the origin");
            }
            assertEquals(200, nproxy.get("/").getStatus());
        }
    }

    @Test
    void aHeadTheProxyCannotSendIs431AndNotThePeersFault() throws Exception {
        String config = Proxies.config("max-header-size=\"8k\"", List.of(origin.address()), "", "", "").replace(
            "address=\"" + origin.address() + "\"", "address=\"" + origin.address() + "\" max-fails=\"1\"");
        try (Rig nproxy = Rig.start(config)) {
            String raw = Http.exchange(nproxy.port(), request(12 * 1024));
            assertEquals(431, Http.status(raw), raw);
            assertTrue(Http.body(raw).contains("larger than this proxy forwards"), raw);
            // the peer is still in: a normal request right after is answered
            assertEquals(200, nproxy.get("/").getStatus());
            assertEquals("a", nproxy.get("/").getContentAsString());
        }
    }
}
