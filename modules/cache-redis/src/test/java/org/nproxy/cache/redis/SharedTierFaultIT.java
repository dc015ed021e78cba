package org.nproxy.cache.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.LogCapture;

/**
 * redis-server killed (SIGKILL) in the middle of a load run over three instances: no client
 * error, no stalled request; the instances serve from their local tiers and the origin, then use
 * Redis again once it is back.
 */
class SharedTierFaultIT {
    @Test
    void killingRedisDuringALoadRunCostsNoClientErrorAndItIsUsedAgainWhenBack() throws Exception {
        try (LogCapture log = new LogCapture();
             RedisProcess redis = RedisProcess.start();
             Origin origin = new Origin();
             Instances three = Instances.start(3, Instances.config(origin.port(), "redis://127.0.0.1:" + redis.port + "/0",
                 "shared-timeout=\"100ms\" shared-retry=\"300ms\" shared-lease=\"1s\"")).awaitUp()) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            AtomicLong slowest = new AtomicLong();
            AtomicInteger unique = new AtomicInteger();
            ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
            CountDownLatch done = new CountDownLatch(8);
            List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                load.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; running.get(); i++) {
                            // hot URLs (local hits) and a steady stream of new ones (shared look-ups, stores)
                            String path = i % 3 == 0 ? "/new/" + unique.incrementAndGet() : "/hot/" + (i % 20);
                            long start = System.nanoTime();
                            try {
                                ContentResponse r = three.get(thread + i, path);
                                if (r.getStatus() != 200 || !r.getContentAsString().startsWith(path + " #")) {
                                    errors.add(path + ": " + r.getStatus() + " " + r.getContentAsString());
                                } else {
                                    ok.incrementAndGet();
                                }
                            } catch (Exception e) {
                                errors.add(path + ": " + e);
                            }
                            slowest.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                        }
                    } finally {
                        done.countDown();
                    }
                }));
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() > 300);
            redis.kill();
            int atKill = ok.get();
            log.awaitLine("shared tier redis://127.0.0.1:" + redis.port, "is down");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() > atKill + 300);
            redis.restart();
            Awaitility.await("all three instances use Redis again").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> log.text().lines().filter(l -> l.contains("using it again")).count() >= 3);
            int atBack = ok.get();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() > atBack + 300);
            running.set(false);
            done.await();
            assertEquals(List.of(), List.copyOf(errors), "client errors");
            assertTrue(slowest.get() < 3000, "no request stalled: the slowest took " + slowest.get() + " ms");

            // Redis is used again: what one instance stores is a hit on another
            assertEquals("/after #1", three.get(0, "/after").getContentAsString());
            Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> redis.cli("EXISTS", "nproxy:pages:{http://site.test/after}:i").strip().equals("1"));
            ContentResponse other = three.get(1, "/after");
            assertEquals("/after #1", other.getContentAsString());
            assertTrue(other.getHeaders().get("Cache-Status").contains("hit"), other.getHeaders().toString());
            assertEquals(1, origin.count("/after"));
            assertTrue(three.counter("nproxy.cache.shared.lookups", "result", "skipped") > 0,
                "while Redis was down the instances did not call it");
        }
    }
}
