package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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

    private static void await(MeterRegistry r, String status, double want) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        double v = count(r, status);
        while (v != want && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = count(r, status);
        }
        assertEquals(want, v, status);
    }

    private static double count(MeterRegistry r, String status) {
        Counter c = r.find("nproxy.cache.requests").tags("zone", "pages", "status", status).counter();
        return c == null ? -1 : c.count();
    }
}
