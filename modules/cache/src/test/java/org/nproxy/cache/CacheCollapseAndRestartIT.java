package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

/** Request collapsing under 100 concurrent misses, and entries surviving a stop and start. */
class CacheCollapseAndRestartIT {
    static byte[] body(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    @Test
    void hundredConcurrentMissesReachTheOriginOnce() throws Exception {
        byte[] big = body(200_000); // larger than the inline limit: stored as a file
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/hot", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rq.setAttribute("body", big);
            });
            origin.delayMs = 500;
            List<CompletableFuture<ContentResponse>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                all.add(new CompletableResponseListener(rig.client.newRequest(rig.uri("/hot"))
                    .timeout(30, TimeUnit.SECONDS), 1 << 20).send());
            }
            for (CompletableFuture<ContentResponse> f : all) {
                ContentResponse r = f.get(40, TimeUnit.SECONDS);
                assertEquals(200, r.getStatus());
                assertArrayEquals(big, r.getContent());
            }
            assertEquals(1, origin.count("/hot"));
        }
    }

    @Test
    void aMissThatIsNotStorableLetsEveryWaiterFetchItsOwn() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/nostore", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "no-store"));
            origin.delayMs = 300;
            List<CompletableFuture<ContentResponse>> all = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                all.add(new CompletableResponseListener(rig.client.newRequest(rig.uri("/nostore"))
                    .timeout(30, TimeUnit.SECONDS)).send());
            }
            for (CompletableFuture<ContentResponse> f : all) {
                ContentResponse r = f.get(40, TimeUnit.SECONDS);
                assertEquals(200, r.getStatus());
                assertTrue(r.getContentAsString().startsWith("/nostore #"));
            }
            assertEquals(10, origin.count("/nostore"));
        }
    }

    @Test
    void entriesSurviveAStopAndStart() throws Exception {
        Path base = Files.createTempDirectory("nproxy-cache-test");
        byte[] big = body(100_000);
        try (CountingOrigin origin = new CountingOrigin()) {
            origin.on("/big", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=600");
                rq.setAttribute("body", big);
            });
            String config = CacheRig.config(origin.port(), "", CacheRig.freePort());
            try (CacheRig rig = CacheRig.start(base, config)) {
                assertEquals("/small #1", rig.get("/small").getContentAsString());
                assertArrayEquals(big, rig.get("/big").getContent());
            }
            try (CacheRig rig = CacheRig.start(base, config)) {
                ContentResponse small = rig.get("/small");
                assertEquals("/small #1", small.getContentAsString());
                assertTrue(small.getHeaders().get("Cache-Status").startsWith("nproxy; hit"));
                assertArrayEquals(big, rig.get("/big").getContent());
            }
            assertEquals(1, origin.count("/small"));
            assertEquals(1, origin.count("/big"));
        }
    }
}
