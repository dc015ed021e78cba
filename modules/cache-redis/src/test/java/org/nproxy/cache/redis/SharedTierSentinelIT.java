package org.nproxy.cache.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

/** A Sentinel URI as Lettuce reads it: the instances find the master through a real redis-sentinel. */
class SharedTierSentinelIT {
    @Test
    void twoInstancesShareThroughTheMasterASentinelNames() throws Exception {
        try (RedisProcess master = RedisProcess.start();
             RedisProcess sentinel = RedisProcess.startSentinel(master.port);
             Origin origin = new Origin()) {
            Awaitility.await("the sentinel knows the master").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> sentinel.cli("SENTINEL", "get-master-addr-by-name", "mymaster").contains(String.valueOf(master.port)));
            String uri = "redis-sentinel://127.0.0.1:" + sentinel.port + "/0#mymaster";
            try (Instances two = Instances.start(2, Instances.config(origin.port(), uri, "shared-timeout=\"500ms\"")).awaitUp()) {
                assertEquals("/s #1", two.get(0, "/s").getContentAsString());
                Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> master.cli("EXISTS", "nproxy:pages:{http://site.test/s}:i").strip().equals("1"));
                ContentResponse other = two.get(1, "/s");
                assertEquals("/s #1", other.getContentAsString());
                assertTrue(other.getHeaders().get("Cache-Status").contains("hit"), other.getHeaders().toString());
                double before = two.counter(1, "nproxy.cache.shared.invalidations", "direction", "received");
                assertEquals(200, two.send(0, "PURGE", "/s").getStatus());
                Awaitility.await().atMost(Duration.ofSeconds(1))
                    .until(() -> two.counter(1, "nproxy.cache.shared.invalidations", "direction", "received") > before);
                assertEquals("/s #2", two.get(1, "/s").getContentAsString());
            }
        }
    }
}
