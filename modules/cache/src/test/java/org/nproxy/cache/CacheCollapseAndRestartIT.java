package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Result;
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

    /**
     * A 10 MiB answer the origin sends slowly (40 pieces, 50 ms apart) reaches 100 concurrent
     * clients progressively: the origin holds back the second half of the body until every client
     * has received some of the first (a cache that forwards only complete answers never gets
     * there), all get it whole, and the origin is asked once.
     */
    @Test
    void aSlowLargeMissStreamsToAHundredFollowersAsItArrives() throws Exception {
        byte[] big = body(10 << 20);
        CRC32 expected = new CRC32();
        expected.update(big);
        CountDownLatch everyoneHasBytes = new CountDownLatch(100);
        try (CountingOrigin origin = new CountingOrigin()) {
            origin.on("/slow", (rq, rs, n) -> {
                rq.setAttribute("gate", everyoneHasBytes);
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Content-Length", Integer.toString(big.length));
                rq.setAttribute("body", big);
                rq.setAttribute("chunkPauseMs", 50);
            });
            String config = CacheRig.config(origin.port(), "").replace("max-object=\"1m\"", "max-object=\"16m\"");
            try (CacheRig rig = CacheRig.start(Files.createTempDirectory("nproxy-cache-test"), config)) {
                int clients = 100;
                long[] firstBytes = new long[clients];
                long[] lengths = new long[clients];
                CRC32[] sums = new CRC32[clients];
                List<CompletableFuture<Result>> done = new ArrayList<>();
                List<String> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
                for (int i = 0; i < clients; i++) {
                    int me = i;
                    sums[me] = new CRC32();
                    CompletableFuture<Result> f = new CompletableFuture<>();
                    done.add(f);
                    rig.client.newRequest(rig.uri("/slow")).timeout(60, TimeUnit.SECONDS)
                        .onResponseHeaders(r -> statuses.add(r.getHeaders().get("Cache-Status")))
                        .onResponseContent((r, chunk) -> {
                            if (firstBytes[me] == 0 && chunk.hasRemaining()) {
                                firstBytes[me] = System.nanoTime();
                                everyoneHasBytes.countDown();
                            }
                            lengths[me] += chunk.remaining();
                            sums[me].update(chunk);
                        })
                        .send(f::complete);
                }
                assertTrue(everyoneHasBytes.await(60, TimeUnit.SECONDS), (clients - everyoneHasBytes.getCount())
                    + " of " + clients + " clients had body bytes while the origin held back the second half");
                for (int i = 0; i < clients; i++) {
                    Result r = done.get(i).get(90, TimeUnit.SECONDS);
                    assertTrue(r.isSucceeded(), "client " + i + ": " + r.getFailure());
                    assertEquals(200, r.getResponse().getStatus());
                    assertEquals(big.length, lengths[i], "client " + i + " got a short body");
                    assertEquals(expected.getValue(), sums[i].getValue(), "client " + i + " got other bytes");
                }
                assertEquals(1, origin.count("/slow"));
                long last = origin.lastPieceAt;
                for (int i = 0; i < clients; i++) {
                    assertTrue(firstBytes[i] != 0 && firstBytes[i] < last,
                        "client " + i + " got its first bytes only after the origin began its last piece");
                }
                assertEquals(clients - 1, statuses.stream().filter(s -> s.contains("collapsed")).count(), statuses.toString());
                assertTrue(rig.send("HEAD", "/slow").getHeaders().get("Cache-Status").startsWith("nproxy; hit"),
                    "the streamed answer was stored too");
            }
        }
    }

    /** A follower of another Vary variant than the leader's answer fetches its own; one of the same shares it. */
    @Test
    void followersOfAnotherVariantFetchTheirOwn() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/v", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Vary", "Accept-Language");
                rq.setAttribute("body", (rq.getHeaders().get("Accept-Language") + " #" + n).getBytes());
            });
            origin.delayMs = 400;
            CompletableFuture<ContentResponse> en = new CompletableResponseListener(rig.client.newRequest(rig.uri("/v"))
                .headers(h -> h.put("Accept-Language", "en")).timeout(30, TimeUnit.SECONDS)).send();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (origin.count("/v") == 0 && System.nanoTime() < deadline) { // the English request leads
                Thread.sleep(5);
            }
            CompletableFuture<ContentResponse> en2 = new CompletableResponseListener(rig.client.newRequest(rig.uri("/v"))
                .headers(h -> h.put("Accept-Language", "en")).timeout(30, TimeUnit.SECONDS)).send();
            CompletableFuture<ContentResponse> fr = new CompletableResponseListener(rig.client.newRequest(rig.uri("/v"))
                .headers(h -> h.put("Accept-Language", "fr")).timeout(30, TimeUnit.SECONDS)).send();
            assertEquals("en #1", en.get(30, TimeUnit.SECONDS).getContentAsString());
            ContentResponse follower = en2.get(30, TimeUnit.SECONDS);
            assertEquals("en #1", follower.getContentAsString());
            assertTrue(follower.getHeaders().get("Cache-Status").contains("collapsed"), follower.getHeaders().toString());
            assertEquals("fr #2", fr.get(30, TimeUnit.SECONDS).getContentAsString());
            assertEquals(2, origin.count("/v"));
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
