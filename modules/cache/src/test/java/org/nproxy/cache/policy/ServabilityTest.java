package org.nproxy.cache.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.nproxy.cache.policy.Servability.Use;

/** RFC 9111 §4 (constructing responses from caches), §5.2.1 and RFC 5861, walked in order. */
class ServabilityTest {
    static final long T0 = FreshnessTest.T0;

    static Exchange stored(String... headers) {
        return new Exchange(200, Headers.of(headers), T0, T0);
    }

    static Use use(Headers request, Exchange e, long secondsLater) {
        return Servability.decide(request, e, T0 + secondsLater * 1000, PolicyOptions.DEFAULTS).use();
    }

    @Test
    @DisplayName("§4.2 fresh while current_age < lifetime, then revalidate")
    void freshThenStale() {
        Exchange e = stored("Cache-Control", "max-age=60");
        assertEquals(Use.FRESH, use(Headers.EMPTY, e, 59));
        assertEquals(Use.REVALIDATE, use(Headers.EMPTY, e, 60));
        assertEquals(1, Servability.decide(Headers.EMPTY, e, T0 + 59_000, PolicyOptions.DEFAULTS).ttl());
    }

    @Test
    @DisplayName("§5.2.1.1 request max-age")
    void requestMaxAge() {
        Exchange e = stored("Cache-Control", "max-age=600");
        assertEquals(Use.REVALIDATE, use(Headers.of("Cache-Control", "max-age=10"), e, 20));
        assertEquals(Use.FRESH, use(Headers.of("Cache-Control", "max-age=30"), e, 20));
    }

    @Test
    @DisplayName("§5.2.1.2 request max-stale, with and without a limit")
    void maxStale() {
        Exchange e = stored("Cache-Control", "max-age=10");
        assertEquals(Use.STALE_ACCEPTED, use(Headers.of("Cache-Control", "max-stale=30"), e, 30));
        assertEquals(Use.REVALIDATE, use(Headers.of("Cache-Control", "max-stale=5"), e, 30));
        assertEquals(Use.STALE_ACCEPTED, use(Headers.of("Cache-Control", "max-stale"), e, 10_000));
    }

    @Test
    @DisplayName("§5.2.1.3 request min-fresh")
    void minFresh() {
        Exchange e = stored("Cache-Control", "max-age=60");
        assertEquals(Use.REVALIDATE, use(Headers.of("Cache-Control", "min-fresh=30"), e, 40));
        assertEquals(Use.FRESH, use(Headers.of("Cache-Control", "min-fresh=30"), e, 20));
    }

    @Test
    @DisplayName("§5.2.1.4 request no-cache, and §5.4 Pragma: no-cache without Cache-Control")
    void requestNoCache() {
        Exchange e = stored("Cache-Control", "max-age=60");
        assertEquals(Use.REVALIDATE, use(Headers.of("Cache-Control", "no-cache"), e, 1));
        assertEquals(Use.REVALIDATE, use(Headers.of("Pragma", "no-cache"), e, 1));
        assertEquals(Use.FRESH, use(Headers.of("Pragma", "no-cache", "Cache-Control", "max-age=5"), e, 1));
    }

    @Test
    @DisplayName("§5.2.1.5 request no-store bypasses; §5.2.1.7 only-if-cached")
    void noStoreAndOnlyIfCached() {
        assertTrue(Servability.bypass(Headers.of("Cache-Control", "no-store")));
        assertTrue(Servability.onlyIfCached(Headers.of("Cache-Control", "only-if-cached")));
        assertFalse(Servability.bypass(Headers.EMPTY));
    }

    @Test
    @DisplayName("§5.2.2.4 response no-cache: validate on every use")
    void responseNoCache() {
        assertEquals(Use.REVALIDATE, use(Headers.EMPTY, stored("Cache-Control", "no-cache, max-age=60"), 1));
    }

    @Test
    @DisplayName("§4.2.4 §5.2.2.2 must-revalidate forbids stale even when the client accepts it")
    void mustRevalidate() {
        Exchange e = stored("Cache-Control", "max-age=10, must-revalidate, stale-while-revalidate=60");
        assertEquals(Use.REVALIDATE, use(Headers.of("Cache-Control", "max-stale"), e, 20));
        assertEquals(Use.REVALIDATE, use(Headers.EMPTY, e, 20));
    }

    @Test
    @DisplayName("§5.2.2.8 proxy-revalidate and §5.2.2.10 s-maxage forbid stale in a shared cache")
    void proxyRevalidate() {
        assertEquals(Use.REVALIDATE, use(Headers.of("Cache-Control", "max-stale"),
            stored("Cache-Control", "max-age=10, proxy-revalidate"), 20));
        assertEquals(Use.REVALIDATE, use(Headers.of("Cache-Control", "max-stale"),
            stored("Cache-Control", "s-maxage=10"), 20));
    }

    @Test
    @DisplayName("RFC 5861 §3 stale-while-revalidate window")
    void staleWhileRevalidate() {
        Exchange e = stored("Cache-Control", "max-age=10, stale-while-revalidate=30");
        assertEquals(Use.STALE_WHILE_REVALIDATE, use(Headers.EMPTY, e, 35));
        assertEquals(Use.REVALIDATE, use(Headers.EMPTY, e, 41));
    }

    @Test
    @DisplayName("RFC 5861 §4 stale-if-error from the response or the request, not past must-revalidate")
    void staleIfError() {
        Exchange e = stored("Cache-Control", "max-age=10, stale-if-error=60");
        assertTrue(Servability.staleIfError(Headers.EMPTY, e, T0 + 60_000, PolicyOptions.DEFAULTS));
        assertFalse(Servability.staleIfError(Headers.EMPTY, e, T0 + 71_000, PolicyOptions.DEFAULTS));
        Exchange plain = stored("Cache-Control", "max-age=10");
        assertTrue(Servability.staleIfError(Headers.of("Cache-Control", "stale-if-error=100"), plain, T0 + 50_000,
            PolicyOptions.DEFAULTS));
        Exchange strict = stored("Cache-Control", "max-age=10, stale-if-error=60, must-revalidate");
        assertFalse(Servability.staleIfError(Headers.EMPTY, strict, T0 + 20_000, PolicyOptions.DEFAULTS));
        assertTrue(Servability.isError(503));
        assertFalse(Servability.isError(404));
    }
}
