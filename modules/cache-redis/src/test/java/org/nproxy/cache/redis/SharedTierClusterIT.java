package org.nproxy.cache.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A three-node Redis Cluster made with {@code redis-cli --cluster create}, three Nproxy instances
 * on {@code redis-cluster://} seeds: keys spread over the nodes' slots are shared, and a prefix
 * purge (a SCAN over every node) reaches every instance.
 */
class SharedTierClusterIT {
    @Test
    void threeInstancesShareAndPurgeThroughARedisCluster() throws Exception {
        RedisProcess.assumeInstalled();
        List<RedisProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(RedisProcess.startClusterNode());
            }
            List<String> create = new ArrayList<>(List.of(RedisProcess.CLI, "--cluster", "create"));
            nodes.forEach(n -> create.add("127.0.0.1:" + n.port));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
            for (RedisProcess n : nodes) {
                Awaitility.await("cluster_state:ok").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> n.cli("CLUSTER", "INFO").contains("cluster_state:ok"));
            }
            String seeds = "redis-cluster://127.0.0.1:" + nodes.get(0).port + ",127.0.0.1:" + nodes.get(1).port;
            try (Origin origin = new Origin();
                 Instances three = Instances.start(3, Instances.config(origin.port(), seeds, "shared-timeout=\"500ms\""))
                     .awaitUp()) {
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < 12; i++) {
                        int node = (i + round) % 3;
                        assertEquals("/c/" + i + " #1", three.get(node, "/c/" + i).getContentAsString());
                        if (round == 0) {
                            awaitShared(nodes, "/c/" + i);
                        }
                    }
                }
                for (int i = 0; i < 12; i++) {
                    assertEquals(1, origin.count("/c/" + i), "/c/" + i + " fetched once for three instances");
                }
                long holding = nodes.stream().filter(n -> {
                    try {
                        return Integer.parseInt(n.cli("DBSIZE").strip()) > 0;
                    } catch (Exception e) {
                        return false;
                    }
                }).count();
                assertTrue(holding >= 2, "the keys are spread over the cluster's nodes");

                double before = three.counter("nproxy.cache.shared.invalidations", "direction", "received");
                assertEquals(200, three.send(1, "PURGE", "/c/*").getStatus());
                Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                    .until(() -> three.counter("nproxy.cache.shared.invalidations", "direction", "received") >= before + 2);
                for (int i = 0; i < 12; i++) {
                    String key = "nproxy:pages:{http://site.test/c/" + i + "}:i";
                    for (RedisProcess n : nodes) {
                        assertEquals("0", last(n.cli("-c", "EXISTS", key)), key + " removed from the cluster");
                    }
                }
                for (int i = 0; i < 12; i++) {
                    assertEquals("/c/" + i + " #2", three.get(i % 3, "/c/" + i).getContentAsString());
                }
            }
        } finally {
            for (RedisProcess n : nodes) {
                n.close();
            }
        }
    }

    private static void awaitShared(List<RedisProcess> nodes, String path) {
        String key = "nproxy:pages:{http://site.test" + path + "}:i";
        String[] seen = {""};
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> last(seen[0] = nodes.get(0).cli("-c", "EXISTS", key)).equals("1"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(key + " not in the cluster; redis-cli said: " + seen[0], e);
        }
    }

    /** The answer without the "-> Redirected to slot" lines redis-cli -c prints. */
    private static String last(String out) {
        List<String> lines = out.strip().lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
    }
}
