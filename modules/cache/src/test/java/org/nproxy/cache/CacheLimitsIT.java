package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

/** max-object, the collapsing bound, and the request directives only-if-cached and no-store. */
class CacheLimitsIT {
    @Test
    void objectsOverMaxObjectPassThroughUnstored() throws Exception {
        byte[] huge = CacheCollapseAndRestartIT.body(1_500_000); // max-object is 1m
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/huge", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rq.setAttribute("body", huge);
            });
            ContentResponse first = new CompletableResponseListener(rig.client.newRequest(rig.uri("/huge")), 4 << 20)
                .send().get(20, TimeUnit.SECONDS);
            assertArrayEquals(huge, first.getContent());
            assertTrue(first.getHeaders().get("Cache-Status").contains("detail=too-large"), first.getHeaders().get("Cache-Status"));
            assertArrayEquals(huge, new CompletableResponseListener(rig.client.newRequest(rig.uri("/huge")), 4 << 20)
                .send().get(20, TimeUnit.SECONDS).getContent());
            assertEquals(2, origin.count("/huge"));
        }
    }

    @Test
    void waitersGiveUpAfterLockTimeoutAndFetchTheirOwn() throws Exception {
        try (CountingOrigin origin = new CountingOrigin();
             CacheRig rig = CacheRig.start(Files.createTempDirectory("nproxy-cache-test"),
                 CacheRig.config(origin.port(), "lock-timeout=\"200ms\""))) {
            origin.delayMs = 1500;
            List<CompletableFuture<ContentResponse>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                all.add(new CompletableResponseListener(rig.client.newRequest(rig.uri("/slow"))
                    .timeout(20, TimeUnit.SECONDS)).send());
                Thread.sleep(50);
            }
            for (CompletableFuture<ContentResponse> f : all) {
                assertEquals(200, f.get(30, TimeUnit.SECONDS).getStatus());
            }
            assertEquals(4, origin.count("/slow"));
        }
    }

    @Test
    void onlyIfCachedAndNoStoreRequests() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            assertEquals(504, rig.get("/oic", "Cache-Control", "only-if-cached").getStatus());
            assertEquals(0, origin.count("/oic"));
            rig.get("/oic");
            assertEquals(200, rig.get("/oic", "Cache-Control", "only-if-cached").getStatus());
            ContentResponse bypass = rig.get("/oic", "Cache-Control", "no-store");
            assertEquals("/oic #2", bypass.getContentAsString());
            assertEquals("nproxy; fwd=request; fwd-status=200", bypass.getHeaders().get("Cache-Status"));
            assertEquals("/oic #1", rig.get("/oic").getContentAsString());
        }
    }
}
