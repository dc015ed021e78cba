package org.nproxy.cache.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** RFC 9111 §4.2 (freshness) and RFC 9213 (CDN-Cache-Control), walked in order. */
class FreshnessTest {
    static final long T0 = 1_700_000_000_000L;

    static Exchange exchange(int status, String... headers) {
        return new Exchange(status, Headers.of(headers), T0, T0);
    }

    @Test
    @DisplayName("§4.2.1 s-maxage wins over max-age and Expires in a shared cache")
    void sMaxAgeFirst() {
        Exchange e = exchange(200, "Cache-Control", "max-age=10, s-maxage=30", "Date", Headers.formatDate(T0),
            "Expires", Headers.formatDate(T0 + 99_000));
        assertEquals(30, Freshness.lifetime(e, PolicyOptions.DEFAULTS));
    }

    @Test
    @DisplayName("§4.2.1 max-age wins over Expires")
    void maxAgeOverExpires() {
        Exchange e = exchange(200, "Cache-Control", "max-age=10", "Expires", Headers.formatDate(T0 + 99_000));
        assertEquals(10, Freshness.lifetime(e, PolicyOptions.DEFAULTS));
    }

    @Test
    @DisplayName("§4.2.1 Expires minus Date")
    void expiresMinusDate() {
        Exchange e = exchange(200, "Date", Headers.formatDate(T0), "Expires", Headers.formatDate(T0 + 120_000));
        assertEquals(120, Freshness.lifetime(e, PolicyOptions.DEFAULTS));
    }

    @Test
    @DisplayName("§5.3 an invalid Expires means already expired")
    void invalidExpires() {
        Exchange e = exchange(200, "Expires", "0");
        assertEquals(0, Freshness.lifetime(e, new PolicyOptions(0.1, 86400, 600)));
    }

    @Test
    @DisplayName("§1.2.2 an invalid delta-seconds reads as stale, an overflow as 2^31")
    void deltaSeconds() {
        assertEquals(0, Freshness.lifetime(exchange(200, "Cache-Control", "max-age=abc"), PolicyOptions.DEFAULTS));
        assertEquals(1L << 31, Freshness.lifetime(exchange(200, "Cache-Control", "max-age=99999999999999999999"),
            PolicyOptions.DEFAULTS));
    }

    @Test
    @DisplayName("§4.2.2 no heuristic freshness unless the operator enables it")
    void heuristicOff() {
        Exchange e = exchange(200, "Date", Headers.formatDate(T0), "Last-Modified", Headers.formatDate(T0 - 100_000_000));
        assertEquals(0, Freshness.lifetime(e, PolicyOptions.DEFAULTS));
        assertEquals(10_000, Freshness.lifetime(e, new PolicyOptions(0.1, 86_400, 0)));
    }

    @Test
    @DisplayName("§4.2.2 heuristics only for heuristically cacheable codes or public")
    void heuristicCodes() {
        PolicyOptions on = new PolicyOptions(0.1, 86_400, 60);
        assertEquals(0, Freshness.lifetime(exchange(302), on));
        assertEquals(60, Freshness.lifetime(exchange(404), on));
        assertEquals(60, Freshness.lifetime(exchange(302, "Cache-Control", "public"), on));
    }

    @Test
    @DisplayName("§4.2.2 a heuristic lifetime is capped")
    void heuristicCap() {
        Exchange e = exchange(200, "Date", Headers.formatDate(T0), "Last-Modified", Headers.formatDate(0));
        assertEquals(86_400, Freshness.lifetime(e, new PolicyOptions(0.1, 86_400, 0)));
    }

    @Test
    @DisplayName("§4.2.3 current_age = corrected_initial_age + resident_time")
    void age() {
        // sent at T0, received 2 s later carrying Age: 5 and a Date 1 s before the response time
        Exchange e = new Exchange(200, Headers.of("Age", "5", "Date", Headers.formatDate(T0 + 1_000)), T0, T0 + 2_000);
        // apparent_age 1, corrected_age_value 5 + 2 = 7, corrected_initial_age 7; 10 s resident
        assertEquals(17, Freshness.currentAge(e, T0 + 12_000));
    }

    @Test
    @DisplayName("§4.2.3 apparent age wins when the Date lies further back than Age says")
    void apparentAge() {
        Exchange e = new Exchange(200, Headers.of("Date", Headers.formatDate(T0 - 30_000)), T0, T0);
        assertEquals(30, Freshness.currentAge(e, T0));
    }

    @Test
    @DisplayName("§5.1 an invalid Age is ignored")
    void invalidAge() {
        Exchange e = new Exchange(200, Headers.of("Age", "-3"), T0, T0);
        assertEquals(0, Freshness.currentAge(e, T0));
    }

    @Test
    @DisplayName("RFC 9213 §2.1 CDN-Cache-Control replaces Cache-Control and Expires")
    void cdnCacheControl() {
        Exchange e = exchange(200, "Cache-Control", "max-age=5", "CDN-Cache-Control", "max-age=600",
            "Expires", "0");
        assertTrue(Freshness.cdnControlled(e.headers()));
        assertEquals(600, Freshness.lifetime(e, PolicyOptions.DEFAULTS));
        Exchange noStore = exchange(200, "Cache-Control", "no-store", "CDN-Cache-Control", "max-age=60");
        assertTrue(Storability.decide("GET", Headers.EMPTY, 200, noStore.headers(), PolicyOptions.DEFAULTS).store());
    }
}
