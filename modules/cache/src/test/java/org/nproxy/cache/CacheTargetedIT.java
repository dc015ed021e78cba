package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

/**
 * {@code <cache targeted="...">} (RFC 9213 §2.1) through a real Nproxy and a real origin that
 * counts its requests: the first targeted field of the list that the response carries, valid and
 * not empty, decides this cache's freshness; Cache-Control and the other fields are ignored.
 */
class CacheTargetedIT {
    static CacheRig rig(CountingOrigin origin, String targeted) throws Exception {
        return CacheRig.start(Files.createTempDirectory("nproxy-cache-test"),
            CacheRig.config(origin.port(), targeted == null ? "" : "targeted=\"" + targeted + "\""));
    }

    static String status(ContentResponse r) {
        return r.getHeaders().get("Cache-Status");
    }

    @Test
    void rfc9213_s2_1_theFirstTargetedFieldOfTheListWins() throws Exception {
        try (CountingOrigin origin = new CountingOrigin();
             CacheRig rig = rig(origin, "Nproxy-Cache-Control CDN-Cache-Control")) {
            // ours says store, CDN-Cache-Control and Cache-Control say no-store: ours wins
            origin.on("/ours", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-store");
                rs.getHeaders().put("CDN-Cache-Control", "no-store");
                rs.getHeaders().put("Nproxy-Cache-Control", "max-age=60");
            });
            // ours says no-store: the CDN's max-age does not apply to this cache
            origin.on("/ours-no", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("CDN-Cache-Control", "max-age=60");
                rs.getHeaders().put("Nproxy-Cache-Control", "no-store");
            });
            // only the second of the list: it applies
            origin.on("/cdn", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-store");
                rs.getHeaders().put("CDN-Cache-Control", "max-age=60");
            });
            for (int i = 0; i < 3; i++) {
                rig.get("/ours");
                rig.get("/ours-no");
                rig.get("/cdn");
            }
            ContentResponse hit = rig.get("/ours");
            assertTrue(status(hit).startsWith("nproxy; hit"), status(hit));
            assertEquals("no-store", hit.getHeaders().get("Cache-Control"), "passed on for the caches after us");
            assertEquals(1, origin.count("/ours"));
            assertEquals(3, origin.count("/ours-no"));
            assertEquals(1, origin.count("/cdn"));
        }
    }

    @Test
    void rfc9213_s2_1_anInvalidTargetedFieldIsIgnored() throws Exception {
        try (CountingOrigin origin = new CountingOrigin();
             CacheRig rig = rig(origin, "Nproxy-Cache-Control CDN-Cache-Control")) {
            // ours does not parse (upper-case key): the CDN field applies
            origin.on("/bad-ours", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-store");
                rs.getHeaders().put("Nproxy-Cache-Control", "No-Store");
                rs.getHeaders().put("CDN-Cache-Control", "max-age=60");
            });
            // both invalid: Cache-Control applies (no-store)
            origin.on("/bad-both", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-store");
                rs.getHeaders().put("Nproxy-Cache-Control", "max-age=60,");
                rs.getHeaders().put("CDN-Cache-Control", "max-age=\"60");
            });
            for (int i = 0; i < 3; i++) {
                rig.get("/bad-ours");
                rig.get("/bad-both");
            }
            assertEquals(1, origin.count("/bad-ours"));
            assertEquals(3, origin.count("/bad-both"));
        }
    }

    @Test
    void rfc9213_s2_1_theTargetedFieldDecidesStaleness() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = rig(origin, "Nproxy-Cache-Control")) {
            // Cache-Control would keep it fresh a minute; ours says revalidate every time
            origin.on("/strict", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Nproxy-Cache-Control", "max-age=0, must-revalidate");
                rs.getHeaders().put("ETag", "\"v1\"");
                if ("\"v1\"".equals(rq.getHeaders().get("If-None-Match"))) {
                    rs.setStatus(304);
                }
            });
            rig.get("/strict");
            ContentResponse second = rig.get("/strict");
            assertTrue(status(second).contains("fwd=stale") && status(second).contains("fwd-status=304"),
                status(second));
            assertEquals(2, origin.count("/strict"));
        }
    }

    @Test
    void rfc9213_s2_1_anEmptyListObeysCacheControlOnly() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = rig(origin, "")) {
            origin.on("/cdn", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-store");
                rs.getHeaders().put("CDN-Cache-Control", "max-age=60");
            });
            rig.get("/cdn");
            rig.get("/cdn");
            assertEquals(2, origin.count("/cdn"), "CDN-Cache-Control is not for this cache");
        }
    }

    @Test
    void rfc9213_s2_1_theDefaultListIsCdnCacheControl() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = rig(origin, null)) {
            origin.on("/ours", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-store");
                rs.getHeaders().put("Nproxy-Cache-Control", "max-age=60");
            });
            origin.on("/cdn", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-store");
                rs.getHeaders().put("CDN-Cache-Control", "max-age=60");
            });
            rig.get("/ours");
            rig.get("/ours");
            rig.get("/cdn");
            rig.get("/cdn");
            assertEquals(2, origin.count("/ours"), "a field not on the list is just a field");
            assertEquals(1, origin.count("/cdn"));
        }
    }
}
