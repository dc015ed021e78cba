package org.nproxy.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

/** Revalidation (RFC 9111 §4.3), stale-while-revalidate and stale-if-error (RFC 5861). */
class CacheStaleIT {
    @Test
    void aStaleEntryIsRevalidatedWithAConditionalRequestAnd304() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/doc", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=0");
                rs.getHeaders().put("ETag", "\"v1\"");
                if ("\"v1\"".equals(rq.getHeaders().get("If-None-Match"))) {
                    rs.setStatus(304);
                }
            });
            assertEquals("/doc #1", rig.get("/doc").getContentAsString());
            ContentResponse second = rig.get("/doc");
            assertEquals(200, second.getStatus());
            assertEquals("/doc #1", second.getContentAsString());
            assertEquals("\"v1\"", origin.lastSeen().get("If-None-Match"));
            assertTrue(second.getHeaders().get("Cache-Status").startsWith("nproxy; fwd=stale; fwd-status=304"),
                second.getHeaders().get("Cache-Status"));
            assertEquals(2, origin.count("/doc"));
        }
    }

    @Test
    void a304FreshensTheStoredResponse() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/fresh", (rq, rs, n) -> {
                rs.getHeaders().put("ETag", "\"v1\"");
                if ("\"v1\"".equals(rq.getHeaders().get("If-None-Match"))) {
                    rs.setStatus(304);
                    rs.getHeaders().put("Cache-Control", "max-age=60"); // RFC 9111 §4.3.4: replaces the stored field
                } else {
                    rs.getHeaders().put("Cache-Control", "max-age=0");
                }
            });
            rig.get("/fresh");
            assertTrue(rig.get("/fresh").getHeaders().get("Cache-Status").contains("fwd-status=304"));
            ContentResponse third = rig.get("/fresh");
            assertEquals("/fresh #1", third.getContentAsString());
            assertTrue(third.getHeaders().get("Cache-Status").startsWith("nproxy; hit"), third.getHeaders().get("Cache-Status"));
            assertEquals(2, origin.count("/fresh"));
        }
    }

    @Test
    void staleWhileRevalidateAnswersAtOnceWhileTheOriginIsSlow() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/swr", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "max-age=0, stale-while-revalidate=60"));
            assertEquals("/swr #1", rig.get("/swr").getContentAsString());
            origin.delayMs = 2000;
            long start = System.nanoTime();
            ContentResponse stale = rig.get("/swr");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals("/swr #1", stale.getContentAsString());
            assertTrue(ms < 1500, "a stale answer took " + ms + " ms");
            assertTrue(stale.getHeaders().get("Cache-Status").contains("detail=stale-while-revalidate"));
            // one background refresh, however many stale answers go out meanwhile
            rig.get("/swr");
            origin.delayMs = 0;
            await("the background refresh lands").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> rig.get("/swr").getContentAsString().equals("/swr #2"));
        }
    }

    @Test
    void staleIfErrorAnswersWhileTheOriginIsDown() throws Exception {
        CountingOrigin origin = new CountingOrigin();
        try (CacheRig rig = CacheRig.start(origin)) {
            origin.on("/sie", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "max-age=0, stale-if-error=600"));
            origin.on("/plain", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "max-age=0"));
            assertEquals("/sie #1", rig.get("/sie").getContentAsString());
            assertEquals("/plain #1", rig.get("/plain").getContentAsString());
            origin.close();
            ContentResponse stale = rig.get("/sie");
            assertEquals(200, stale.getStatus());
            assertEquals("/sie #1", stale.getContentAsString());
            assertTrue(stale.getHeaders().get("Cache-Status").contains("detail=stale-if-error"),
                stale.getHeaders().get("Cache-Status"));
            assertTrue(rig.get("/plain").getStatus() >= 500, "without stale-if-error the error goes through");
        } finally {
            origin.close();
        }
    }

    @Test
    void staleIfErrorHidesA5xx() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/flaky", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=0, stale-if-error=600");
                if (n > 1) {
                    rs.setStatus(503);
                }
            });
            rig.get("/flaky");
            ContentResponse r = rig.get("/flaky");
            assertEquals(200, r.getStatus());
            assertEquals("/flaky #1", r.getContentAsString());
            assertTrue(r.getHeaders().get("Cache-Status").contains("fwd-status=503"));
        }
    }
}
