package org.nproxy.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.LogCapture;

/**
 * {@code resolve="500ms"} follows a peer name to its new address, for real: the JVM of this test
 * reads names from a hosts file ({@code -Djdk.net.hosts.file}, no cache: {@code
 * -Dsun.net.inetaddr.ttl=0}; see the {@code resolve} execution in this module's pom), which the
 * test rewrites while traffic flows. The two origins share a port on two loopback addresses,
 * 127.0.0.1 and [::1] (loopback only), since a name maps to an address, not a port.
 */
class ResolveIT {
    private static final String NAME = "app.nproxy.test";
    /** How Java prints [::1], the second origin's address. */
    private static final String SECOND = "0:0:0:0:0:0:0:1";
    private static final long INTERVAL_MS = 500;

    /** One answer: when the request started (ns), and which origin answered (or the status). */
    private record Answer(long startNanos, String by) {
    }

    @Test
    void trafficFollowsTheNameToItsNewAddressWithoutClientErrors() throws Exception {
        String hostsFile = System.getProperty("jdk.net.hosts.file");
        assumeTrue(hostsFile != null, "run by the 'resolve' surefire execution, which sets -Djdk.net.hosts.file");
        Path hosts = Path.of(hostsFile);
        Files.createDirectories(hosts.getParent());
        Files.writeString(hosts, "127.0.0.1 localhost\n127.0.0.1 " + NAME + "\n");
        try (Origin first = new Origin("first"); Origin second = new Origin("second", "::1", first.port())) {
            String peer = NAME + ":" + first.port();
            String config = Proxies.config("resolve=\"" + INTERVAL_MS + "ms\"", List.of(peer), "tries=\"1\"", "",
                "<health-check path=\"/healthz\" interval=\"200ms\" rise=\"1\" fall=\"2\"/>");
            try (LogCapture log = new LogCapture(); Rig rig = Rig.start(config)) {
                assertNotNull(log.awaitLine("upstream peer " + peer + ": address none -> 127.0.0.1"), log.text());
                List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
                AtomicBoolean running = new AtomicBoolean(true);
                Thread load = Thread.ofPlatform().start(() -> {
                    while (running.get()) {
                        long t = System.nanoTime();
                        try {
                            ContentResponse r = rig.get("/x");
                            answers.add(new Answer(t, r.getStatus() == 200 ? r.getContentAsString() : "status " + r.getStatus()));
                        } catch (Exception e) {
                            answers.add(new Answer(t, e.toString()));
                        }
                        try {
                            Thread.sleep(10); // a steady trickle, not load
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                await("traffic reaches the first address").atMost(Duration.ofSeconds(10))
                    .until(() -> List.copyOf(answers).stream().filter(a -> a.by.equals("first")).count() >= 20);
                long probesBefore = second.probes.get();
                long moved = System.nanoTime();
                Files.writeString(hosts, "127.0.0.1 localhost\n::1 " + NAME + "\n");
                long settledAt = moved + 2 * INTERVAL_MS * 1_000_000 + 200_000_000;
                await("traffic well after the move").atMost(Duration.ofSeconds(20))
                    .until(() -> List.copyOf(answers).stream().filter(a -> a.startNanos > settledAt).count() > 20);
                running.set(false);
                load.join();

                List<Answer> all = List.copyOf(answers);
                assertTrue(all.stream().allMatch(a -> a.by.equals("first") || a.by.equals("second")),
                    "no client error while the name moved: " + all.stream().filter(a -> !a.by.startsWith("f") && !a.by.startsWith("s")).toList());
                assertTrue(all.stream().anyMatch(a -> a.startNanos < moved && a.by.equals("first")), "first served before");
                long settled = moved + 2 * INTERVAL_MS * 1_000_000 + 200_000_000;
                List<Answer> late = all.stream().filter(a -> a.startNanos > settled).toList();
                assertTrue(late.size() > 10, "traffic after the move: " + late.size());
                assertTrue(late.stream().allMatch(a -> a.by.equals("second")),
                    "within 2 intervals every request goes to the new address: "
                        + late.stream().filter(a -> !a.by.equals("second")).count() + " of " + late.size() + " did not");
                assertNotNull(log.awaitLine("upstream peer " + peer + ": address 127.0.0.1 -> " + SECOND), log.text());
                assertTrue(second.probes.get() > probesBefore, "health checks follow the peer to its new address");

                String status = rig.get("/upstreams").getContentAsString();
                List<String> lines = status.lines().filter(l -> l.contains("peer=" + peer)).toList();
                assertEquals(1, lines.size(), "one peer, one line: " + status);
                assertTrue(lines.get(0).contains("state=up") && lines.get(0).endsWith("address=" + SECOND), status);

                // the name disappears: the last address is kept, and said so
                Files.writeString(hosts, "127.0.0.1 localhost\n");
                assertNotNull(log.awaitLine("upstream peer " + peer + ": cannot resolve " + NAME, "keeping " + SECOND), log.text());
                assertEquals("second", rig.get("/x").getContentAsString());
            }
        }
    }
}
