package org.nproxy.cache.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** RFC 9111 §4.1 (Vary), §4.3 (validation) and §4.4 (invalidation), walked in order. */
class ValidationTest {
    static final String LM = "Tue, 14 Nov 2023 22:13:20 GMT";

    @Test
    @DisplayName("§4.1 variants are keyed by the normalized values of the listed request fields")
    void varyKey() {
        List<String> names = Vary.names(Headers.of("Vary", "Accept-Language, accept-encoding"));
        assertEquals(List.of("accept-encoding", "accept-language"), names);
        String a = Vary.key(names, Headers.of("Accept-Language", "en, fr", "Accept-Encoding", "gzip"));
        String b = Vary.key(names, Headers.of("accept-language", "EN,fr", "Accept-Encoding", "gzip"));
        String c = Vary.key(names, Headers.of("Accept-Language", "de", "Accept-Encoding", "gzip"));
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    @DisplayName("§4.1 an absent field differs from an empty one; Vary: * never matches")
    void varyAbsentAndStar() {
        List<String> names = List.of("accept-language");
        assertNotEquals(Vary.key(names, Headers.EMPTY), Vary.key(names, Headers.of("Accept-Language", "")));
        assertTrue(Vary.isStar(Headers.of("Vary", "Accept, *")));
        assertEquals(List.of("*"), Vary.names(Headers.of("Vary", "*")));
    }

    @Test
    @DisplayName("§4.3.1 the conditional request carries the stored validators, not the client's")
    void conditional() {
        Headers stored = Headers.of("ETag", "\"v1\"", "Last-Modified", LM);
        Headers req = Validation.conditional(Headers.of("If-None-Match", "\"other\"", "Range", "bytes=0-1", "X-A", "1"), stored);
        assertEquals("\"v1\"", req.get("If-None-Match"));
        assertEquals(LM, req.get("If-Modified-Since"));
        assertNull(req.get("Range"));
        assertEquals("1", req.get("X-A"));
        assertFalse(Validation.hasValidator(Headers.EMPTY));
    }

    @Test
    @DisplayName("§4.3.4 a 304 selects the stored response by strong ETag, else Last-Modified")
    void selects() {
        Headers stored = Headers.of("ETag", "\"v1\"", "Last-Modified", LM);
        assertTrue(Validation.selects(stored, Headers.of("ETag", "\"v1\"")));
        assertFalse(Validation.selects(stored, Headers.of("ETag", "\"v2\"")));
        assertTrue(Validation.selects(stored, Headers.of("Last-Modified", LM)));
        assertTrue(Validation.selects(stored, Headers.EMPTY));
    }

    @Test
    @DisplayName("§4.3.4 §3.2 freshening replaces stored fields with the 304's, except framing")
    void freshen() {
        Headers stored = Headers.of("Cache-Control", "max-age=1", "Content-Length", "5", "X-Kept", "k");
        Headers fresh = Validation.freshen(stored, Headers.of("Cache-Control", "max-age=60", "Content-Length", "0"));
        assertEquals("max-age=60", fresh.get("Cache-Control"));
        assertEquals("5", fresh.get("Content-Length"));
        assertEquals("k", fresh.get("X-Kept"));
    }

    @Test
    @DisplayName("§4.3.2 RFC 9110 §13.1.2 a client's If-None-Match is answered 304 by weak comparison")
    void clientInm() {
        Headers stored = Headers.of("ETag", "W/\"v1\"", "Last-Modified", LM);
        assertTrue(Validation.clientNotModified("GET", Headers.of("If-None-Match", "\"x\", \"v1\""), 200, stored));
        assertFalse(Validation.clientNotModified("GET", Headers.of("If-None-Match", "\"x\""), 200, stored));
        assertFalse(Validation.clientNotModified("GET", Headers.of("If-None-Match", "\"v1\""), 404, stored));
    }

    @Test
    @DisplayName("§4.3.2 RFC 9110 §13.1.3 If-Modified-Since against the stored Last-Modified")
    void clientIms() {
        Headers stored = Headers.of("Last-Modified", LM);
        assertTrue(Validation.clientNotModified("HEAD", Headers.of("If-Modified-Since", LM), 200, stored));
        assertFalse(Validation.clientNotModified("GET",
            Headers.of("If-Modified-Since", "Mon, 13 Nov 2023 00:00:00 GMT"), 200, stored));
    }

    @Test
    @DisplayName("§4.4 unsafe methods invalidate the target and same-origin Location/Content-Location")
    void invalidation() {
        List<String> t = Invalidation.targets("POST", 201, "http://a.example/items",
            Headers.of("Location", "/items/7", "Content-Location", "http://other.example/x"));
        assertEquals(List.of("http://a.example/items", "http://a.example/items/7"), t);
        assertTrue(Invalidation.targets("POST", 500, "http://a.example/items", Headers.EMPTY).isEmpty());
        assertTrue(Invalidation.targets("GET", 200, "http://a.example/items", Headers.EMPTY).isEmpty());
        assertTrue(Invalidation.unsafe("DELETE"));
    }
}
