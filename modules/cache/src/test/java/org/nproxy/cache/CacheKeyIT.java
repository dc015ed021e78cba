package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nproxy.cache.internal.CacheKey;

/** {@code <cache key="...">}: a template over request variables decides which requests share an entry. */
class CacheKeyIT {
    static CacheRig rig(CountingOrigin origin, String key) throws Exception {
        return CacheRig.start(Files.createTempDirectory("nproxy-cache-test"),
            CacheRig.config(origin.port(), "purge-from=\"127.0.0.1/32\" key=\"" + key + "\""));
    }

    /** A key without the query: every query string of a path shares one entry. */
    @Test
    void aKeyWithoutTheQueryStringSharesTheEntry() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = rig(origin, "$scheme$host$uri")) {
            assertEquals("/a #1", rig.get("/a?utm=1").getContentAsString());
            var second = rig.get("/a?utm=2");
            assertEquals("/a #1", second.getContentAsString());
            assertTrue(second.getHeaders().get("Cache-Status").startsWith("nproxy; hit"));
            assertEquals(1, origin.count("/a"));
            // PURGE renders the same key: any query string purges it
            assertEquals(200, rig.send("PURGE", "/a?whatever").getStatus());
            assertEquals("/a #2", rig.get("/a").getContentAsString());
        }
    }

    /** A request field in the key keeps entries apart without any Vary from the origin. */
    @Test
    void aRequestFieldInTheKeyKeepsEntriesApart() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = rig(origin, "$host$request_uri|$http_x_tenant")) {
            assertEquals("/t #1", rig.get("/t", "X-Tenant", "blue").getContentAsString());
            assertEquals("/t #2", rig.get("/t", "X-Tenant", "green").getContentAsString());
            assertEquals("/t #1", rig.get("/t", "X-Tenant", "blue").getContentAsString());
            assertEquals("/t #2", rig.get("/t", "X-Tenant", "green").getContentAsString());
            assertEquals(2, origin.count("/t"));
        }
    }

    /** RFC 9111 §4.4 under a custom key: an unsafe method invalidates the target and its Location. */
    @Test
    void invalidationUsesTheKey() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = rig(origin, "$scheme$host$uri")) {
            origin.on("/form", (rq, rs, n) -> {
                rs.setStatus(303);
                rs.getHeaders().put("Location", "/list?page=1");
            });
            rig.get("/form?x");
            rig.get("/list?page=9");
            assertEquals(1, origin.count("/form"));
            assertEquals(1, origin.count("/list"));
            rig.client.setFollowRedirects(false);
            assertEquals(303, rig.send("POST", "/form?y").getStatus());
            rig.get("/form");
            rig.get("/list");
            assertEquals(3, origin.count("/form")); // GET, POST, GET again
            assertEquals(2, origin.count("/list"));
        }
    }

    @Test
    void badTemplatesAreNamed() {
        assertEquals(List.of("unknown variable $hots"), CacheKey.problems("$scheme$hots$request_uri"));
        assertEquals(List.of("no variable: every request would share one entry"), CacheKey.problems("static"));
        assertEquals(List.of(), CacheKey.problems("${scheme}://$host$request_uri$cookie_lang$arg_v$http_accept"));
    }
}
