package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Gen;
import org.nproxy.testing.Http;

/**
 * Issue 18, fuzzing the {@code X-Forwarded-For} / {@code Forwarded} handling (inline in
 * ProxyHandler, so through a real proxy; test only): whatever a trusted client sends, the
 * request is forwarded and the peer sees the client's chain with this hop's address last; from
 * an untrusted client the peer never sees the sent value.
 */
class ForwardedPropertyIT {
    static Origin origin;
    static Rig trusted;
    static Rig untrusted;

    @BeforeAll
    static void start() throws Exception {
        origin = new Origin("fwd");
        trusted = Rig.start(Proxies.config("", List.of(origin.address()), "forwarded=\"both\" trusted-proxies=\"127.0.0.0/8\"", "", ""));
        untrusted = Rig.start(Proxies.config("", List.of(origin.address()), "forwarded=\"both\"", "", ""));
    }

    @AfterAll
    static void stop() throws Exception {
        trusted.close();
        untrusted.close();
        origin.close();
    }

    /** A field value as a client may send it: visible ASCII, spaces, the separators of both grammars. */
    static String value(Gen g) {
        while (true) {
            String s = g.string("0123456789abcdef.:[]\"=;,_ -forbyhstpFO", 1, 60).strip();
            if (!s.isEmpty()) {
                return s;
            }
        }
    }

    @Test
    void trustedChainsAreForwardedWithThisHopLast() {
        Gen.forAll(18_701, 150, g -> {
            String xff = value(g);
            String echo = exchange(trusted, xff, value(g));
            assertTrue(echo.contains("x-forwarded-for: " + xff.toLowerCase(Locale.ROOT) + ", 127.0.0.1"), echo);
        });
    }

    @Test
    void untrustedValuesNeverReachThePeer() {
        Gen.forAll(18_702, 150, g -> {
            String echo = exchange(untrusted, "203.0.113.77, " + value(g), "for=203.0.113.77");
            assertTrue(!echo.contains("203.0.113.77"), echo);
            assertTrue(echo.contains("x-forwarded-for: 127.0.0.1"), echo);
        });
    }

    private static String exchange(Rig rig, String xff, String forwarded) throws Exception {
        String raw = Http.exchange(rig.port(), "GET /echo HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n"
            + "X-Forwarded-For: " + xff + "\r\nForwarded: " + forwarded + "\r\n\r\n");
        assertEquals(200, Http.status(raw), raw);
        return Http.body(raw).toLowerCase(Locale.ROOT);
    }
}
