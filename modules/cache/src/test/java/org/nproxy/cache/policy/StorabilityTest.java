package org.nproxy.cache.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** RFC 9111 §3 (storing responses), walked in order. */
class StorabilityTest {
    static Storability.Decision decide(String method, Headers request, int status, String... response) {
        return Storability.decide(method, request, status, Headers.of(response), PolicyOptions.DEFAULTS);
    }

    static Storability.Decision get(int status, String... response) {
        return decide("GET", Headers.EMPTY, status, response);
    }

    @Test
    @DisplayName("§3 only a method the cache understands: GET")
    void method() {
        assertFalse(decide("POST", Headers.EMPTY, 200, "Cache-Control", "max-age=60").store());
        assertTrue(get(200, "Cache-Control", "max-age=60").store());
    }

    @Test
    @DisplayName("§3 a final status; 206 and 304 are not stored")
    void finalStatus() {
        assertFalse(get(206, "Cache-Control", "max-age=60").store());
        assertFalse(get(304, "Cache-Control", "max-age=60").store());
    }

    @Test
    @DisplayName("§3 §5.2.2.5 no-store")
    void noStore() {
        assertEquals("no-store", get(200, "Cache-Control", "no-store, max-age=60").reason());
    }

    @Test
    @DisplayName("§5.2.1.5 a request with no-store")
    void requestNoStore() {
        assertFalse(decide("GET", Headers.of("Cache-Control", "no-store"), 200, "Cache-Control", "max-age=60").store());
    }

    @Test
    @DisplayName("§5.2.2.3 must-understand lifts no-store for understood codes only")
    void mustUnderstand() {
        assertTrue(get(200, "Cache-Control", "must-understand, no-store, max-age=60").store());
        assertFalse(get(299, "Cache-Control", "must-understand, no-store, max-age=60").store());
        assertFalse(get(299, "Cache-Control", "must-understand, max-age=60").store());
    }

    @Test
    @DisplayName("§5.2.2.7 private: not in a shared cache")
    void privateResponse() {
        assertEquals("private", get(200, "Cache-Control", "private, max-age=60").reason());
    }

    @Test
    @DisplayName("§5.2.2.7 private with field names: stored without those fields")
    void privateFields() {
        Storability.Decision d = get(200, "Cache-Control", "private=\"Set-Cookie\", max-age=60", "Set-Cookie", "a=b",
            "X-Other", "kept");
        assertTrue(d.store());
        assertNull(d.stored().get("Set-Cookie"));
        assertEquals("kept", d.stored().get("X-Other"));
    }

    @Test
    @DisplayName("§7.3 Set-Cookie: stored without it unless the response is public")
    void setCookie() {
        Storability.Decision d = get(200, "Cache-Control", "max-age=60", "Set-Cookie", "session=1");
        assertTrue(d.store());
        assertNull(d.stored().get("Set-Cookie"));
        assertEquals("session=1", get(200, "Cache-Control", "public, max-age=60", "Set-Cookie", "session=1")
            .stored().get("Set-Cookie"));
    }

    @Test
    @DisplayName("§5.2.2.4 no-cache: stored, validated on every use; no-cache with fields strips them")
    void noCache() {
        assertTrue(get(200, "Cache-Control", "no-cache", "ETag", "\"a\"").store());
        Storability.Decision d = get(200, "Cache-Control", "no-cache=\"X-Secret\", max-age=60", "X-Secret", "s");
        assertNull(d.stored().get("X-Secret"));
    }

    @Test
    @DisplayName("§3.5 Authorization: only with must-revalidate, public or s-maxage")
    void authorization() {
        Headers auth = Headers.of("Authorization", "Basic eDp5");
        assertEquals("authorization", decide("GET", auth, 200, "Cache-Control", "max-age=60").reason());
        assertTrue(decide("GET", auth, 200, "Cache-Control", "public, max-age=60").store());
        assertTrue(decide("GET", auth, 200, "Cache-Control", "s-maxage=60").store());
        assertTrue(decide("GET", auth, 200, "Cache-Control", "must-revalidate, max-age=60").store());
    }

    @Test
    @DisplayName("§3 explicit freshness, public, or a code cacheable by default")
    void cacheableByDefault() {
        assertTrue(get(404, "ETag", "\"a\"").store());
        assertTrue(get(301, "Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT").store());
        assertEquals("not-cacheable", get(302, "ETag", "\"a\"").reason());
        assertTrue(get(302, "Cache-Control", "max-age=5").store());
        assertTrue(get(302, "Cache-Control", "public", "ETag", "\"a\"").store());
        assertTrue(get(500, "Expires", "Thu, 01 Jan 2099 00:00:00 GMT").store());
    }

    @Test
    @DisplayName("§3 storing is optional: not without freshness, validator or stale window (it could never be reused)")
    void noFreshness() {
        assertEquals("no-freshness", get(200).reason());
        assertEquals("no-freshness", get(200, "Cache-Control", "max-age=0").reason());
        assertTrue(get(200, "Cache-Control", "max-age=0", "ETag", "\"a\"").store());
        assertTrue(get(200, "Cache-Control", "max-age=0, stale-if-error=60").store());
        assertTrue(Storability.decide("GET", Headers.EMPTY, 200, Headers.of("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT",
            "Date", "Tue, 21 Nov 2023 22:13:20 GMT"), new PolicyOptions(0.1, 86_400, 0)).store());
    }

    @Test
    @DisplayName("§4.1 Vary: * is never stored (it would never match)")
    void varyStar() {
        assertEquals("vary-star", get(200, "Cache-Control", "max-age=60", "Vary", "*").reason());
    }

    @Test
    @DisplayName("§3.1 hop-by-hop fields are not stored")
    void hopByHop() {
        Storability.Decision d = get(200, "Cache-Control", "max-age=60", "Connection", "close", "Keep-Alive", "timeout=5");
        assertNull(d.stored().get("Connection"));
        assertNull(d.stored().get("Keep-Alive"));
    }
}
