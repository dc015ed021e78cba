package org.nproxy.cache.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.awaitility.Awaitility;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three Nproxy instances with one zone shared through a real redis-server, in front of one
 * origin that counts its requests.
 */
class SharedTierIT {
    private static RedisProcess redis;
    private static Origin origin;
    private static Instances three;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisProcess.start();
        origin = new Origin();
        three = Instances.start(3, Instances.config(origin.port(), "redis://127.0.0.1:" + redis.port + "/0",
            "shared-timeout=\"500ms\" shared-chunk=\"64k\"")).awaitUp();
    }

    @AfterAll
    static void stop() throws Exception {
        try (RedisProcess r = redis; Origin o = origin; Instances t = three) {
            // closed in reverse order
        }
    }

    @Test
    void threeHundredRequestsOverThreeInstancesReachTheOriginOnce() throws Exception {
        origin.delayMs = 300; // the misses overlap across the instances: the lease collapses them
        try {
            ExecutorService pool = Executors.newFixedThreadPool(30);
            List<Future<ContentResponse>> answers = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                int node = i % 3;
                answers.add(pool.submit(() -> three.get(node, "/one")));
            }
            for (Future<ContentResponse> f : answers) {
                ContentResponse r = f.get();
                assertEquals(200, r.getStatus());
                assertEquals("/one #1", r.getContentAsString());
            }
            pool.shutdown();
        } finally {
            origin.delayMs = 0;
        }
        assertEquals(1, origin.count("/one"), "the origin saw one request for 300 over three instances");
        assertTrue(three.counter("nproxy.cache.shared.lookups", "result", "hit") >= 2,
            "the other instances found the entry in Redis");
    }

    @Test
    void anEntryStoredByOneInstanceIsAHitOnTheOthersWithTheRightAge() throws Exception {
        origin.on("/aged", (rq, rs, n) -> {
            rs.getHeaders().put("Cache-Control", "max-age=600");
            rs.getHeaders().put("Age", "100");
        });
        ContentResponse first = three.get(0, "/aged");
        assertEquals("/aged #1", first.getContentAsString());
        awaitShared("/aged");
        Thread.sleep(2100); // resident time, counted on another instance from the stored response time
        ContentResponse second = three.get(1, "/aged");
        assertEquals("/aged #1", second.getContentAsString());
        assertTrue(second.getHeaders().get("Cache-Status").contains("hit"), second.getHeaders().toString());
        long age = Long.parseLong(second.getHeaders().get("Age"));
        assertTrue(age >= 102 && age <= 104, "Age " + age + " = 100 from the origin + 2 s resident");
        assertEquals(1, origin.count("/aged"));
    }

    @Test
    void aStaleLocalCopyIsReplacedByAFresherSharedOneInsteadOfAskingTheOrigin() throws Exception {
        origin.on("/short", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "max-age=1"));
        warmAll("/short");
        Thread.sleep(1100); // stale on all three
        assertEquals("/short #2", three.get(0, "/short").getContentAsString(), "instance 0 asks the origin");
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
            .until(() -> redis.cli("GET", "nproxy:pages:{http://site.test/short}:i").length() > 0
                && three.counter(0, "nproxy.cache.shared.stores", "result", "stored") > 0);
        Thread.sleep(100); // the new entry's background write
        ContentResponse other = three.get(1, "/short");
        assertEquals("/short #2", other.getContentAsString(), other.getHeaders().toString());
        assertTrue(other.getHeaders().get("Cache-Status").contains("hit"), other.getHeaders().toString());
        assertEquals(2, origin.count("/short"), "instance 1 took instance 0's fresh copy from Redis");
    }

    @Test
    void largeBodiesAreChunkedAcrossKeysAndComeBackWhole() throws Exception {
        byte[] body = new byte[300_000];
        new java.util.Random(7).nextBytes(body);
        origin.on("/big", (rq, rs, n) -> {
            rs.getHeaders().put("Cache-Control", "max-age=60, stale-while-revalidate=30");
            rq.setAttribute("body", body);
        });
        assertArrayEquals(body, three.get(0, "/big").getContent());
        awaitShared("/big");
        String keys = redis.cli("--scan", "--pattern", "nproxy:pages:{http://site.test/big}:c:*");
        assertEquals(5, keys.lines().count(), "300 000 bytes in 64k chunks: " + keys);
        String entry = redis.cli("--scan", "--pattern", "nproxy:pages:{http://site.test/big}:e:*").strip();
        long pttl = Long.parseLong(redis.cli("PTTL", entry).strip());
        assertTrue(pttl > 80_000 && pttl <= 90_000, "expires with max-age + stale window (90 s), not later: " + pttl);
        ContentResponse other = three.get(2, "/big");
        assertArrayEquals(body, other.getContent());
        assertEquals(1, origin.count("/big"));
    }

    @Test
    void aPurgeOnOneInstanceIsSeenByAllThreeWithinOneSecond() throws Exception {
        for (String path : List.of("/p/a", "/p/b", "/t/x")) {
            origin.on(path, (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=600");
                rs.getHeaders().put("Cache-Tag", "tagged");
            });
        }
        warmAll("/p/a");
        double before = three.counter("nproxy.cache.shared.invalidations", "direction", "received");
        long sent = System.nanoTime();
        assertEquals(200, three.send(0, "PURGE", "/p/a").getStatus());
        Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
            .until(() -> three.counter("nproxy.cache.shared.invalidations", "direction", "received") >= before + 2);
        long millis = (System.nanoTime() - sent) / 1_000_000;
        assertTrue(millis < 1000, "reached the other two instances in " + millis + " ms");
        for (int i = 0; i < 3; i++) {
            assertEquals("/p/a #2", three.get(i, "/p/a").getContentAsString(), "instance " + i + " kept no old copy");
        }
        assertEquals(2, origin.count("/p/a"));

        // a prefix purge and a tag purge, both from another instance
        warmAll("/p/b");
        double b2 = three.counter("nproxy.cache.shared.invalidations", "direction", "received");
        assertEquals(200, three.send(1, "PURGE", "/p/*").getStatus());
        awaitReceived(b2 + 2);
        assertEquals("/p/b #2", three.get(2, "/p/b").getContentAsString());
        assertEquals("/p/b #2", three.get(0, "/p/b").getContentAsString());

        warmAll("/t/x");
        double b3 = three.counter("nproxy.cache.shared.invalidations", "direction", "received");
        assertEquals(200, three.request(2, "PURGE", "/anything").headers(h -> h.put("Cache-Tag", "tagged")).send()
            .getStatus());
        awaitReceived(b3 + 2);
        assertEquals(1, origin.count("/t/x"), "after the tag purge");
        ContentResponse tx = three.get(0, "/t/x");
        assertEquals("/t/x #2", tx.getContentAsString(), tx.getHeaders().toString());
        ContentResponse tx1 = three.get(1, "/t/x");
        assertEquals("/t/x #2", tx1.getContentAsString(), tx.getHeaders() + " THEN " + tx1.getHeaders());
    }

    @Test
    void anUnsafeMethodOnOneInstanceInvalidatesTheOthers() throws Exception {
        warmAll("/doc");
        double before = three.counter("nproxy.cache.shared.invalidations", "direction", "received");
        assertEquals(200, three.send(0, "POST", "/doc").getStatus());
        awaitReceived(before + 2);
        assertEquals("/doc #2", three.get(2, "/doc").getContentAsString());
        assertEquals("/doc #2", three.get(1, "/doc").getContentAsString());
        assertEquals(2, origin.count("/doc"));
    }

    @Test
    void aValueWrittenByHandUnderAZoneKeyIsNeverServed() throws Exception {
        String pk = "http://site.test/forged";
        String base = "nproxy:pages:{" + pk + "}";
        // a foreign index and a corrupt frame: wrong checksum over a well-formed header
        redis.setRaw(base + ":i", "HTTP/1.1 200 OK\r\n\r\nforged".getBytes());
        double rejected = three.counter("nproxy.cache.shared.lookups", "result", "rejected");
        double storedBefore = three.counter(0, "nproxy.cache.shared.stores", "result", "stored");
        ContentResponse r = three.get(0, "/forged");
        assertEquals("/forged #1", r.getContentAsString(), "the origin's answer, not the forged value");
        assertTrue(three.counter("nproxy.cache.shared.lookups", "result", "rejected") > rejected, "counted");

        // now a real entry exists (the forged index was there from the start: wait for the entry
        // itself); replace it by hand with a frame whose checksum does not match
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
            .until(() -> !redis.cli("--scan", "--pattern", base + ":e:*").isBlank()
                && three.counter(0, "nproxy.cache.shared.stores", "result", "stored") > storedBefore);
        String entry = redis.cli("--scan", "--pattern", base + ":e:*").strip();
        byte[] forged = EntryFormat.entry(pk, "", new org.nproxy.cache.store.StoredResponse.Meta(
            new org.nproxy.cache.policy.Exchange(200, org.nproxy.cache.policy.Headers.of("Cache-Control", "max-age=600"),
                System.currentTimeMillis(), System.currentTimeMillis()), 6), "forged".getBytes(), null, 0, 0);
        forged[forged.length - 1] ^= 1;
        redis.setRaw(entry, forged);
        double rejected2 = three.counter("nproxy.cache.shared.lookups", "result", "rejected");
        ContentResponse other = three.get(1, "/forged");
        assertEquals("/forged #2", other.getContentAsString(), "a corrupt value sends the request to the origin");
        assertTrue(three.counter("nproxy.cache.shared.lookups", "result", "rejected") > rejected2);
    }

    /** Each instance holds its own copy (a hit on each), the origin asked once. */
    private static void warmAll(String path) throws Exception {
        int before = origin.count(path);
        three.get(0, path);
        awaitShared(path);
        for (int i = 1; i < 3; i++) {
            three.get(i, path);
        }
        for (int i = 0; i < 3; i++) {
            ContentResponse r = three.get(i, path);
            assertTrue(r.getHeaders().get("Cache-Status").contains("hit"), path + " on " + i + ": " + r.getHeaders());
        }
        assertEquals(before + 1, origin.count(path));
    }

    private static void awaitShared(String path) {
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
            .until(() -> redis.cli("EXISTS", "nproxy:pages:{http://" + Instances.HOST + path + "}:i").strip().equals("1"));
    }

    private static void awaitReceived(double atLeast) {
        Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
            .until(() -> three.counter("nproxy.cache.shared.invalidations", "direction", "received") >= atLeast);
    }
}
