package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/** {@code nproxy_cache_requests_total{zone,status}} after a known miss, hit and bypass. */
class CacheMetersIT {
    @Test
    void requestsAreCountedByZoneAndStatus() throws Exception {
        try (CountingOrigin origin = new CountingOrigin();
             CacheRig rig = CacheRig.start(Files.createTempDirectory("nproxy-cache-test"), CacheRig.config(origin.port(), ""))) {
            MeterRegistry r = new SimpleMeterRegistry();
            ((CompositeMeterRegistry) rig.nproxy.server().meters()).add(r);
            rig.get("/m");
            rig.get("/m");
            rig.get("/m");
            rig.send("POST", "/m");
            await(r, "hit", 2.0);
            await(r, "miss", 1.0);
            await(r, "bypass", 1.0);
            await(r, "stale", 0.0);
        }
    }

    /**
     * {@code nproxy_cache_stored_bytes{zone,tier}}, {@code nproxy_cache_entries} and
     * {@code nproxy_cache_evictions_total}: after a small and a large (file) body are stored, the
     * tiers hold entries, the disk tier and the files hold bytes, and nothing was evicted.
     */
    @Test
    void storedBytesEntriesAndEvictionsPerTier() throws Exception {
        byte[] big = CacheCollapseAndRestartIT.body(200_000); // above the inline limit: a file of the zone
        try (CountingOrigin origin = new CountingOrigin();
             CacheRig rig = CacheRig.start(Files.createTempDirectory("nproxy-cache-test"), CacheRig.config(origin.port(), ""))) {
            origin.on("/big", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rq.setAttribute("body", big);
            });
            MeterRegistry r = new SimpleMeterRegistry(); // the server's composite reads through its children
            ((CompositeMeterRegistry) rig.nproxy.server().meters()).add(r);
            rig.get("/small");
            rig.get("/big");
            Awaitility.await("both stored").atMost(Duration.ofSeconds(5)).until(() ->
                rig.get("/small").getHeaders().get("Cache-Status").contains("hit")
                    && rig.get("/big").getHeaders().get("Cache-Status").contains("hit"));
            System.gc(); // gauges hold what they read weakly: the zone must keep it reachable
            // two responses without Vary: one Ehcache entry each (the variant index folded in),
            // written through every tier
            assertEquals(2.0, gauge(r, "nproxy.cache.entries", "disk"));
            assertTrue(gauge(r, "nproxy.cache.stored.bytes", "disk") > 0, "disk tier bytes");
            // Ehcache writes to the lowest tier and fills the caching tiers on reads: the heap holds
            // these two, the off-heap tier is there but may be empty
            assertTrue(gauge(r, "nproxy.cache.stored.bytes", "off-heap") >= 0, "off-heap tier bytes");
            assertTrue(gauge(r, "nproxy.cache.entries", "heap") >= 1, "heap tier entries");
            assertEquals(big.length, gauge(r, "nproxy.cache.stored.bytes", "files"), "the large body's file");
            for (String tier : new String[] {"heap", "off-heap", "disk"}) {
                FunctionCounter evictions = r.find("nproxy.cache.evictions").tags("zone", "pages", "tier", tier).functionCounter();
                assertEquals(0.0, evictions.count(), tier + " evictions");
            }
        }
    }

    private static double gauge(MeterRegistry r, String name, String tier) {
        Gauge g = r.find(name).tags("zone", "pages", "tier", tier).gauge();
        return g == null ? -1 : g.value();
    }

    private static void await(MeterRegistry r, String status, double want) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> count(r, status) == want);
        } catch (ConditionTimeoutException e) {
            // the assertion says what the count is
        }
        assertEquals(want, count(r, status), status);
    }

    private static double count(MeterRegistry r, String status) {
        Counter c = r.find("nproxy.cache.requests").tags("zone", "pages", "status", status).counter();
        return c == null ? -1 : c.count();
    }
}
