package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.List;

import org.nproxy.testing.LogCapture;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.config.ConfigException;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

class ProxyBasicsIT {
    static Origin origin;

    @BeforeAll
    static void start() throws Exception {
        origin = new Origin("a");
    }

    @AfterAll
    static void stop() throws Exception {
        origin.close();
    }

    @Test
    void forwardsRequestAndResponse() throws Exception {
        try (Rig nproxy = Rig.start(Proxies.simple(origin.address()))) {
            ContentResponse r = nproxy.client.GET(nproxy.uri("/hello?x=1"));
            assertEquals(200, r.getStatus());
            assertEquals("a", r.getContentAsString());
            assertEquals("a", r.getHeaders().get("X-Origin"));
            String echo = nproxy.client.GET(nproxy.uri("/echo?q=a%20b&r=2")).getContentAsString();
            assertTrue(echo.startsWith("GET /echo?q=a%20b&r=2\n"), echo);
        }
    }

    @Test
    void hopByHopHeadersAreRemovedAndForwardedHeadersSet() throws Exception {
        try (Rig nproxy = Rig.start(Proxies.simple(origin.address()))) {
            String raw = Http.exchange(nproxy.port(), "GET /echo HTTP/1.1\r\nHost: example.com\r\n"
                + "Connection: close, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                + "Proxy-Authorization: Basic eA==\r\nX-Forwarded-For: 6.6.6.6\r\nX-Kept: yes\r\n\r\n");
            String echo = Http.body(raw).toLowerCase();
            assertEquals(200, Http.status(raw));
            assertFalse(echo.contains("x-secret"), echo);
            assertFalse(echo.contains("keep-alive: timeout"), echo);
            assertFalse(echo.contains("\nte:"), echo);
            assertFalse(echo.contains("proxy-authorization"), echo);
            assertFalse(echo.contains("6.6.6.6"), "untrusted client's X-Forwarded-For must be replaced: " + echo);
            assertTrue(echo.contains("x-kept: yes"), echo);
            assertTrue(echo.contains("host: example.com"), echo);
            assertTrue(echo.contains("x-forwarded-for: 127.0.0.1"), echo);
            assertTrue(echo.contains("x-forwarded-proto: http"), echo);
            assertTrue(echo.contains("x-forwarded-host: example.com"), echo);
        }
    }

    @Test
    void trustedProxyChainIsAppendedAndForwardedHeaderWritten() throws Exception {
        String config = Proxies.config("", List.of(origin.address()),
            "forwarded=\"both\" trusted-proxies=\"127.0.0.0/8\" via=\"true\" host=\"backend.internal\"", "", "");
        try (Rig nproxy = Rig.start(config)) {
            String raw = Http.exchange(nproxy.port(), "GET /echo HTTP/1.1\r\nHost: example.com\r\n"
                + "Connection: close\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n\r\n");
            String echo = Http.body(raw).toLowerCase();
            assertTrue(echo.contains("x-forwarded-for: 6.6.6.6, 127.0.0.1"), echo);
            assertTrue(echo.contains("x-forwarded-proto: https"), echo);
            assertTrue(echo.contains("forwarded: for=127.0.0.1;proto=http;host=\"example.com\""), echo);
            assertTrue(echo.contains("host: backend.internal"), echo);
            assertTrue(echo.contains("via: 1.1 nproxy"), echo);
        }
    }

    @Test
    void headerRulesAndRewrites() throws Exception {
        String config = Proxies.config("", List.of(origin.address()), "", """
            <rewrite prefix="/api/" to="/"/>
            <rewrite regex="^/u/(\\d+)$" to="/echo"/>
            <request-header name="X-Client" value="$remote_addr"/>
            <request-header action="remove" name="User-Agent"/>
            <response-header name="X-Served-By" value="nproxy"/>
            <response-header action="remove" name="X-Origin"/>
            """, "");
        try (Rig nproxy = Rig.start(config)) {
            ContentResponse r = nproxy.client.GET(nproxy.uri("/api/echo?z=1"));
            String echo = r.getContentAsString().toLowerCase();
            assertTrue(echo.startsWith("get /echo?z=1"), echo);
            assertTrue(echo.contains("x-client: 127.0.0.1"), echo);
            assertFalse(echo.contains("user-agent"), echo);
            assertEquals("nproxy", r.getHeaders().get("X-Served-By"));
            assertEquals(null, r.getHeaders().get("X-Origin"));
            assertTrue(nproxy.client.GET(nproxy.uri("/u/42")).getContentAsString().startsWith("GET /echo"));
        }
    }

    @Test
    void deadPeerGives502() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (Rig nproxy = Rig.start(Proxies.simple("127.0.0.1:" + closed))) {
            ContentResponse r = nproxy.client.GET(nproxy.uri("/x"));
            assertEquals(502, r.getStatus());
            assertTrue(r.getContentAsString().contains("Bad Gateway"));
        }
    }

    @Test
    void stalledPeerGives504WithinReadTimeout() throws Exception {
        String config = Proxies.config("", List.of(origin.address()), "read-timeout=\"500ms\"", "", "");
        try (Rig nproxy = Rig.start(config)) {
            long start = System.nanoTime();
            ContentResponse r = nproxy.client.GET(nproxy.uri("/stall?ms=3000"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, r.getStatus());
            assertTrue(ms >= 450 && ms < 2000, "504 after " + ms + " ms, configured 500ms");
        }
    }

    @Test
    void aPeerStallingMidBodyIsCutAfterReadTimeout() throws Exception {
        String config = Proxies.config("", List.of(origin.address()), "read-timeout=\"500ms\"", "", "");
        try (Rig nproxy = Rig.start(config); LogCapture log = new LogCapture()) {
            java.util.concurrent.CompletableFuture<org.eclipse.jetty.client.Result> done = new java.util.concurrent.CompletableFuture<>();
            long start = System.nanoTime();
            nproxy.client.newRequest(nproxy.uri("/early?ms=5000")).timeout(20, java.util.concurrent.TimeUnit.SECONDS)
                .send(done::complete);
            org.eclipse.jetty.client.Result result = done.get(20, java.util.concurrent.TimeUnit.SECONDS);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, result.getResponse().getStatus(), "the answer had started");
            assertTrue(result.getResponseFailure() != null, "and was cut, not completed");
            assertTrue(ms < 4_000, "cut after " + ms + " ms, read-timeout 500ms, the peer would end at 5 s");
            assertTrue(log.awaitLine("peer " + origin.address() + " failed on GET /early?ms=5000", "after the answer started",
                "timeout") != null, log.text());
        }
    }

    @Test
    void wholeRequestTimeoutGives504() throws Exception {
        String config = Proxies.config("", List.of(origin.address()), "timeout=\"700ms\"", "", "");
        try (Rig nproxy = Rig.start(config)) {
            long start = System.nanoTime();
            ContentResponse r = nproxy.client.GET(nproxy.uri("/stall?ms=3000"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, r.getStatus());
            assertTrue(ms >= 650 && ms < 2000, "504 after " + ms + " ms, configured 700ms");
        }
    }

    @Test
    void unknownUpstreamIsAConfigErrorNamingTheDefinedOnes() {
        String config = Proxies.simple(origin.address()).replace("<proxy upstream=\"origin\"", "<proxy upstream=\"orign\"");
        ConfigException e = assertThrows(ConfigException.class, () -> NproxyFixture.start(config).close());
        String m = e.getMessage();
        assertTrue(m.contains("unknown upstream 'orign'"), m);
        assertTrue(m.contains("origin"), m);
        assertTrue(m.matches("(?s).*nproxy\\.xml:\\d+:\\d+.*"), m);
    }

    @Test
    void badProxyAndUpstreamAttributesAreReportedWithPositions() {
        String config = Proxies.config("keepalive=\"0\" keepalive-timeout=\"soon\"", List.of(origin.address()),
            "forwarded=\"yes\" trusted-proxies=\"10.0.0.0/33\" fail-status=\"200\" retries=\"2\" retry-body-max=\"lots\" send-timeout=\"fast\"",
            "<rewrite to=\"/\"/>", "");
        ConfigException e = assertThrows(ConfigException.class, () -> NproxyFixture.start(config).close());
        String m = e.getMessage();
        for (String expected : List.of("keepalive", "keepalive-timeout", "forwarded", "10.0.0.0/33", "fail-status",
            "unknown attribute 'retries'", "<rewrite> needs exactly one of prefix or regex",
            "bad size retry-body-max=\"lots\"", "bad duration send-timeout=\"fast\"")) {
            assertTrue(m.contains(expected), expected + " in: " + m);
        }
        assertTrue(m.matches("(?s).*nproxy\\.xml:\\d+:\\d+: bad size retry-body-max=\"lots\"; expected a size such as.*"), m);
    }

    @Test
    void connectTimeoutGives504() throws Exception {
        // A listener that never accepts, its backlog filled: further SYNs are dropped and connect hangs.
        try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            List<java.net.Socket> fillers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.connect(new java.net.InetSocketAddress("127.0.0.1", full.getLocalPort()), 200);
                        fillers.add(s);
                    } catch (java.io.IOException e) {
                        s.close();
                        break; // backlog full
                    }
                }
                String config = Proxies.config("connect-timeout=\"300ms\"", List.of("127.0.0.1:" + full.getLocalPort()),
                    "", "", "");
                try (Rig nproxy = Rig.start(config)) {
                    long start = System.nanoTime();
                    ContentResponse r = nproxy.client.GET(nproxy.uri("/x"));
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    assertEquals(504, r.getStatus());
                    assertTrue(ms >= 250 && ms < 2000, "504 after " + ms + " ms, connect-timeout 300ms");
                }
            } finally {
                for (java.net.Socket s : fillers) {
                    s.close();
                }
            }
        }
    }
}
