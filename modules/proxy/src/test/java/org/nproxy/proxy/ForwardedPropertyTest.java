package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.nproxy.testing.Http;

/**
 * Issue 18, fuzzing the {@code X-Forwarded-For} / {@code Forwarded} handling (inline in
 * ProxyHandler, so through a real proxy; test only): whatever a trusted client sends, the
 * request is forwarded and the peer sees the client's chain with this hop's address last; from
 * an untrusted client the peer never sees the sent value.
 */
class ForwardedPropertyTest {
    static Origin origin;
    static Rig trusted;
    static Rig untrusted;

    @BeforeContainer
    static void start() throws Exception {
        origin = new Origin("fwd");
        trusted = Rig.start(Proxies.config("", List.of(origin.address()), "forwarded=\"both\" trusted-proxies=\"127.0.0.0/8\"", "", ""));
        untrusted = Rig.start(Proxies.config("", List.of(origin.address()), "forwarded=\"both\"", "", ""));
    }

    @AfterContainer
    static void stop() throws Exception {
        trusted.close();
        untrusted.close();
        origin.close();
    }

    /** Field values as a client may send them: visible ASCII, spaces, the separators of both grammars. */
    @Provide
    Arbitrary<String> values() {
        return Arbitraries.strings().withChars("0123456789abcdef.:[]\"=;,_ -forbyhstpFO").ofMinLength(1).ofMaxLength(60)
            .map(String::strip).filter(s -> !s.isEmpty());
    }

    @Property(tries = 150)
    void trustedChainsAreForwardedWithThisHopLast(@ForAll("values") String xff, @ForAll("values") String forwarded)
        throws Exception {
        String echo = exchange(trusted, xff, forwarded);
        assertTrue(echo.contains("x-forwarded-for: " + xff.toLowerCase(Locale.ROOT) + ", 127.0.0.1"), echo);
    }

    @Property(tries = 150)
    void untrustedValuesNeverReachThePeer(@ForAll("values") String xff) throws Exception {
        String echo = exchange(untrusted, "203.0.113.77, " + xff, "for=203.0.113.77");
        assertTrue(!echo.contains("203.0.113.77"), echo);
        assertTrue(echo.contains("x-forwarded-for: 127.0.0.1"), echo);
    }

    private static String exchange(Rig rig, String xff, String forwarded) throws Exception {
        String raw = Http.exchange(rig.port(), "GET /echo HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n"
            + "X-Forwarded-For: " + xff + "\r\nForwarded: " + forwarded + "\r\n\r\n");
        assertEquals(200, Http.status(raw), raw);
        return Http.body(raw).toLowerCase(Locale.ROOT);
    }
}
