package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

/** Fresh hits (RFC 9111 §4.2), HEAD and conditional requests answered from the store, Vary (§4.1). */
class CacheHitIT {
    @Test
    void aSecondGetWithinMaxAgeDoesNotReachTheOrigin() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            ContentResponse first = rig.get("/page");
            assertEquals(200, first.getStatus());
            assertEquals("/page #1", first.getContentAsString());
            assertEquals("nproxy; fwd=uri-miss; fwd-status=200; stored", first.getHeaders().get("Cache-Status"));
            ContentResponse second = rig.get("/page");
            assertEquals("/page #1", second.getContentAsString());
            assertTrue(second.getHeaders().get("Cache-Status").startsWith("nproxy; hit; ttl="), second.getHeaders().toString());
            assertNotNull(second.getHeaders().get("Age"));
            assertEquals(1, origin.count("/page"));
        }
    }

    @Test
    void headAndConditionalRequestsAreAnsweredFromAStoredGet() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/tagged", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("ETag", "\"v1\"");
            });
            rig.get("/tagged");
            ContentResponse head = rig.send("HEAD", "/tagged");
            assertEquals(200, head.getStatus());
            assertEquals("10", head.getHeaders().get("Content-Length"));
            assertEquals(0, head.getContent().length);
            ContentResponse notModified = rig.get("/tagged", "If-None-Match", "\"v1\"");
            assertEquals(304, notModified.getStatus());
            assertEquals("\"v1\"", notModified.getHeaders().get("ETag"));
            assertEquals(1, origin.count("/tagged"));
        }
    }

    @Test
    void varyKeepsTwoVariantsApart() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/greet", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Vary", "Accept-Language");
                rq.setAttribute("body", (rq.getHeaders().get("Accept-Language") + " #" + n).getBytes());
            });
            assertEquals("en #1", rig.get("/greet", "Accept-Language", "en").getContentAsString());
            assertEquals("fr #2", rig.get("/greet", "Accept-Language", "fr").getContentAsString());
            assertEquals("en #1", rig.get("/greet", "Accept-Language", "en").getContentAsString());
            ContentResponse fr = rig.get("/greet", "Accept-Language", "fr");
            assertEquals("fr #2", fr.getContentAsString());
            assertTrue(fr.getHeaders().get("Cache-Status").contains("hit"));
            assertEquals(2, origin.count("/greet"));
        }
    }

    @Test
    void uncacheableAnswersPassThroughAndSayWhy() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/private", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "private, max-age=60"));
            assertEquals("nproxy; fwd=uri-miss; fwd-status=200; detail=private",
                rig.get("/private").getHeaders().get("Cache-Status"));
            assertEquals("/private #2", rig.get("/private").getContentAsString());
            ContentResponse post = rig.send("POST", "/page");
            assertEquals("nproxy; fwd=method; fwd-status=200", post.getHeaders().get("Cache-Status"));
        }
    }

    @Test
    void anUnsafeRequestInvalidatesTheStoredResponse() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            rig.get("/item");
            rig.get("/item");
            assertEquals(1, origin.count("/item"));
            rig.send("POST", "/item");
            assertEquals("/item #3", rig.get("/item").getContentAsString()); // RFC 9111 §4.4
        }
    }
}
