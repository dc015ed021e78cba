package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.nproxy.cache.policy.Headers;

/**
 * The RFC 9111 bullets of the cache issue that had no integration test, each against a real
 * origin on 127.0.0.1 that counts its requests. Section numbers in each name.
 */
class CacheRfcIT {
    static String date(long offsetSeconds) {
        return Headers.formatDate(System.currentTimeMillis() + offsetSeconds * 1000);
    }

    static String status(ContentResponse r) {
        return r.getHeaders().get("Cache-Status");
    }

    static CacheRig rig(CountingOrigin origin, String cacheAttrs) throws Exception {
        return CacheRig.start(Files.createTempDirectory("nproxy-cache-test"), CacheRig.config(origin.port(), cacheAttrs));
    }

    @Test
    void s5_2_2_10_sMaxageOverridesMaxAgeInASharedCache() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/s", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "max-age=0, s-maxage=60"));
            rig.get("/s");
            assertTrue(status(rig.get("/s")).startsWith("nproxy; hit"));
            assertEquals(1, origin.count("/s"));
        }
    }

    @Test
    void s5_3_expiresGivesFreshnessAndAnInvalidOneMeansStale() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/e", (rq, rs, n) -> rs.getHeaders().put("Expires", date(60)));
            origin.on("/bad", (rq, rs, n) -> {
                rs.getHeaders().put("Expires", "0");
                rs.getHeaders().put("ETag", "\"b\"");
            });
            rig.get("/e");
            assertTrue(status(rig.get("/e")).startsWith("nproxy; hit"));
            rig.get("/bad");
            assertTrue(status(rig.get("/bad")).startsWith("nproxy; fwd=stale"), "an invalid Expires is already stale");
            assertEquals(1, origin.count("/e"));
            assertEquals(2, origin.count("/bad"));
        }
    }

    @Test
    void s4_2_3_ageAndDateFromTheOriginCountTowardsTheCurrentAge() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/aged", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Age", "30");
            });
            origin.on("/old", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Age", "100");
            });
            origin.on("/dated", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Date", date(-100)); // apparent_age 100 s
            });
            rig.get("/aged");
            ContentResponse hit = rig.get("/aged");
            assertTrue(status(hit).startsWith("nproxy; hit"));
            assertTrue(Long.parseLong(hit.getHeaders().get("Age")) >= 30, "Age " + hit.getHeaders().get("Age"));
            assertTrue(Long.parseLong(hit.getHeaders().get("Age")) < 60, "Age " + hit.getHeaders().get("Age"));
            rig.get("/old");
            rig.get("/old");
            rig.get("/dated");
            rig.get("/dated");
            assertEquals(1, origin.count("/aged"));
            assertEquals(2, origin.count("/old"));
            assertEquals(2, origin.count("/dated"));
        }
    }

    @Test
    void s4_2_2_heuristicFreshnessOnlyWhenEnabledAndOnlyForCodesThatAllowIt() throws Exception {
        try (CountingOrigin origin = new CountingOrigin();
             CacheRig off = CacheRig.start(origin);
             CacheRig on = rig(origin, "heuristic=\"10%\"")) {
            CountingOrigin.Answer lastModified = (rq, rs, n) -> rs.getHeaders().put("Last-Modified", date(-10 * 86400));
            origin.on("/lm", lastModified);
            origin.on("/lm-off", lastModified);
            origin.on("/moved", (rq, rs, n) -> {
                rs.setStatus(302);
                rs.getHeaders().put("Location", "/elsewhere");
                rs.getHeaders().put("Last-Modified", date(-10 * 86400));
            });
            on.client.setFollowRedirects(false);
            on.get("/lm");
            assertTrue(status(on.get("/lm")).startsWith("nproxy; hit"), "10% of 10 days is a day of freshness");
            off.get("/lm-off");
            off.get("/lm-off");
            on.get("/moved");
            on.get("/moved");
            assertEquals(1, origin.count("/lm"));
            assertEquals(2, origin.count("/lm-off"), "heuristics are off by default");
            assertEquals(2, origin.count("/moved"), "302 is not heuristically cacheable");
        }
    }

    @Test
    void s3_statusCodesCacheableByDefault() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = rig(origin, "heuristic-ttl=\"60s\"")) {
            rig.client.setFollowRedirects(false);
            origin.on("/gone", (rq, rs, n) -> rs.setStatus(404));
            origin.on("/found", (rq, rs, n) -> {
                rs.setStatus(302);
                rs.getHeaders().put("Location", "/x");
            });
            origin.on("/found-fresh", (rq, rs, n) -> {
                rs.setStatus(302);
                rs.getHeaders().put("Location", "/x");
                rs.getHeaders().put("Cache-Control", "max-age=60");
            });
            for (String p : new String[] {"/gone", "/found", "/found-fresh"}) {
                rig.get(p);
                rig.get(p);
            }
            assertEquals(1, origin.count("/gone"), "404 is cacheable by default");
            assertEquals(2, origin.count("/found"), "302 is not, without explicit freshness");
            assertEquals(1, origin.count("/found-fresh"), "302 with max-age is");
        }
    }

    @Test
    void s5_2_2_4_noCacheIsValidatedOnEveryUseAndNoCacheWithNamesStripsThem() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/nc", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-cache, max-age=60");
                rs.getHeaders().put("ETag", "\"n\"");
                if ("\"n\"".equals(rq.getHeaders().get("If-None-Match"))) {
                    rs.setStatus(304);
                }
            });
            origin.on("/ncf", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-cache=\"X-Secret\", max-age=60");
                rs.getHeaders().put("X-Secret", "s");
            });
            rig.get("/nc");
            ContentResponse again = rig.get("/nc");
            assertEquals("/nc #1", again.getContentAsString());
            assertTrue(status(again).contains("fwd-status=304"), status(again));
            assertEquals(2, origin.count("/nc"));
            assertEquals("s", rig.get("/ncf").getHeaders().get("X-Secret"));
            ContentResponse hit = rig.get("/ncf");
            assertTrue(status(hit).startsWith("nproxy; hit"));
            assertNull(hit.getHeaders().get("X-Secret"));
            assertEquals(1, origin.count("/ncf"));
        }
    }

    @Test
    void s5_2_2_7_privateWithFieldNamesStoresWithoutThem() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/pf", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "private=\"X-User\", max-age=60");
                rs.getHeaders().put("X-User", "alice");
            });
            assertEquals("alice", rig.get("/pf").getHeaders().get("X-User"));
            ContentResponse hit = rig.get("/pf");
            assertTrue(status(hit).startsWith("nproxy; hit"));
            assertNull(hit.getHeaders().get("X-User"));
            assertEquals(1, origin.count("/pf"));
        }
    }

    @Test
    void s5_2_2_2_and_s5_2_2_8_mustAndProxyRevalidateForbidStaleAnswers() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            for (String cc : new String[] {"must-revalidate", "proxy-revalidate", ""}) {
                origin.on("/r-" + cc, (rq, rs, n) -> {
                    rs.getHeaders().put("Cache-Control", "max-age=0" + (cc.isEmpty() ? "" : ", " + cc));
                    rs.getHeaders().put("ETag", "\"r\""); // a validator: stored although stale at once
                });
                rig.get("/r-" + cc);
                rig.get("/r-" + cc, "Cache-Control", "max-stale=600");
            }
            assertEquals(2, origin.count("/r-must-revalidate"));
            assertEquals(2, origin.count("/r-proxy-revalidate"));
            assertEquals(1, origin.count("/r-"), "without them, max-stale takes the stale answer");
        }
    }

    @Test
    void s5_2_2_3_mustUnderstandLiftsNoStoreForAStatusTheCacheKnows() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/mu", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "must-understand, no-store, max-age=60"));
            rig.get("/mu");
            assertTrue(status(rig.get("/mu")).startsWith("nproxy; hit"));
            assertEquals(1, origin.count("/mu"));
        }
    }

    @Test
    void s3_5_authorizationNeedsPublicSMaxageOrMustRevalidate() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/plain", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "max-age=60"));
            origin.on("/public", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "public, max-age=60"));
            origin.on("/shared", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "s-maxage=60"));
            for (String p : new String[] {"/plain", "/public", "/shared"}) {
                rig.get(p, "Authorization", "Bearer a");
                rig.get(p, "Authorization", "Bearer a");
            }
            assertEquals(2, origin.count("/plain"));
            assertEquals(1, origin.count("/public"));
            assertEquals(1, origin.count("/shared"));
        }
    }

    @Test
    void s5_2_1_requestDirectivesAndPragma() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/q", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Age", "5"); // older than max-age=0 allows, fresh for 55 s more
            });
            rig.get("/q");
            assertTrue(status(rig.get("/q")).startsWith("nproxy; hit"));
            assertEquals(1, origin.count("/q"));
            rig.get("/q", "Cache-Control", "max-age=0"); // §5.2.1.1
            assertEquals(2, origin.count("/q"));
            rig.get("/q", "Cache-Control", "min-fresh=3600"); // §5.2.1.3
            assertEquals(3, origin.count("/q"));
            rig.get("/q", "Cache-Control", "no-cache"); // §5.2.1.4
            assertEquals(4, origin.count("/q"));
            rig.get("/q", "Pragma", "no-cache"); // §5.4: as HTTP/1.0 clients send it
            assertEquals(5, origin.count("/q"));
            rig.get("/q", "Pragma", "no-cache", "Cache-Control", "max-stale=5"); // Cache-Control wins over Pragma
            assertEquals(5, origin.count("/q"));
        }
    }

    @Test
    void s7_3_setCookieNeverReachesASecondClientUnlessPublic() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/c", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Set-Cookie", "session=" + n);
            });
            origin.on("/pc", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "public, max-age=60");
                rs.getHeaders().put("Set-Cookie", "theme=dark");
            });
            assertEquals("session=1", rig.get("/c").getHeaders().get("Set-Cookie"));
            ContentResponse second = rig.get("/c");
            assertTrue(status(second).startsWith("nproxy; hit"));
            assertNull(second.getHeaders().get("Set-Cookie"));
            rig.get("/pc");
            assertEquals("theme=dark", rig.get("/pc").getHeaders().get("Set-Cookie"));
            assertEquals(1, origin.count("/c"));
            assertEquals(1, origin.count("/pc"));
        }
    }

    @Test
    void s4_4_anUnsafeSuccessInvalidatesLocationAndContentLocation() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/orders", (rq, rs, n) -> {
                if (rq.getMethod().equals("POST")) {
                    rs.setStatus(201);
                    rs.getHeaders().put("Location", "/orders/7");
                    rs.getHeaders().put("Content-Location", "/orders/latest");
                }
            });
            for (String p : new String[] {"/orders/7", "/orders/latest", "/orders/8"}) {
                rig.get(p);
                rig.get(p);
            }
            assertEquals(201, rig.send("POST", "/orders").getStatus());
            for (String p : new String[] {"/orders/7", "/orders/latest", "/orders/8"}) {
                rig.get(p);
            }
            assertEquals(2, origin.count("/orders/7"));
            assertEquals(2, origin.count("/orders/latest"));
            assertEquals(1, origin.count("/orders/8"), "an entry the answer does not name stays");
        }
    }

    @Test
    void s4_1_varyStarIsNeverServedFromTheCache() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/star", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Vary", "*");
            });
            rig.get("/star");
            rig.get("/star");
            assertEquals(2, origin.count("/star"));
        }
    }

    @Test
    void s4_1_varyValuesAreNormalized() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/enc", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Vary", "Accept-Encoding");
            });
            rig.get("/enc", "Accept-Encoding", "gzip, br");
            assertTrue(status(rig.get("/enc", "Accept-Encoding", "br,gzip")).startsWith("nproxy; hit"), "element order");
            assertTrue(status(rig.get("/enc", "Accept-Encoding", " GZIP ,  br ")).startsWith("nproxy; hit"), "case, spaces");
            rig.get("/enc", "Accept-Encoding", "identity");
            assertEquals(2, origin.count("/enc"));
        }
    }

    @Test
    void rfc9213_cdnCacheControlReplacesCacheControlForThisCache() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/cdn", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "no-store");
                rs.getHeaders().put("CDN-Cache-Control", "max-age=60");
            });
            origin.on("/cdn-no", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("CDN-Cache-Control", "no-store");
            });
            rig.get("/cdn");
            ContentResponse hit = rig.get("/cdn");
            assertTrue(status(hit).startsWith("nproxy; hit"));
            assertEquals("no-store", hit.getHeaders().get("Cache-Control"), "sent on for the browser");
            rig.get("/cdn-no");
            rig.get("/cdn-no");
            assertEquals(1, origin.count("/cdn"));
            assertEquals(2, origin.count("/cdn-no"));
        }
    }
}
