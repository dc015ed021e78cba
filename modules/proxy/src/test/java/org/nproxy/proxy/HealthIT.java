package org.nproxy.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.junit.jupiter.api.Test;

/** Passive failure counting, retries, and active health checks, with a peer killed mid-run. */
class HealthIT {
    private static String twoPeers(Origin a, Origin b, String peerAttrs, String proxyAttrs, String upstreamChildren) {
        return """
            <nproxy>
              <upstream name="origin">
                <peer address="%s" %s/>
                <peer address="%s" %s/>
                %s
              </upstream>
              <server>
                <listen host="127.0.0.1" port="0"/>
                <location path="= /upstreams"><upstream-status/></location>
                <location path="/"><proxy upstream="origin" %s/></location>
              </server>
            </nproxy>
            """.formatted(a.address(), peerAttrs, b.address(), peerAttrs, upstreamChildren, proxyAttrs);
    }

    @Test
    void passiveFailuresTakeAKilledPeerOutAndIdempotentRequestsAreRetried() throws Exception {
        try (Origin a = new Origin("a"); Origin b = new Origin("b");
             Rig rig = Rig.start(twoPeers(a, b, "max-fails=\"2\" fail-timeout=\"30s\"", "", ""))) {
            Load warm = Load.run(rig, 200, 2);
            assertEquals(0, warm.errors.get(), warm.toString());
            assertTrue(warm.count("b") > 50, warm.toString());
            String bAddress = b.address();
            b.close(); // killed mid-run
            Load after = Load.run(rig, 1_000, 4);
            // GETs that hit the dead peer went on to a: the client sees no error at all
            assertEquals(0, after.errors.get(), after.toString());
            assertEquals(1_000, after.count("a"), after.toString());
            String status = rig.get("/upstreams").getContentAsString();
            // max-fails=2: the dead peer was tried at most twice before it was taken out
            // (a few more may race in from concurrent requests picked before the ban)
            String line = status.lines().filter(l -> l.contains("peer=" + bAddress)).findFirst().orElseThrow();
            assertTrue(line.contains("state=failed"), line);
            long failures = Long.parseLong(line.replaceAll(".*failures=(\\d+).*", "$1"));
            assertTrue(failures >= 2 && failures <= 2 + 4, "failures on b " + failures + ": " + status);
        }
    }

    @Test
    void nonIdempotentRequestWithBodyIsNotRetried() throws Exception {
        try (Origin a = new Origin("a"); Origin b = new Origin("b");
             Rig rig = Rig.start(twoPeers(a, b, "max-fails=\"1\" fail-timeout=\"30s\"", "balance=\"round_robin\"".isEmpty() ? "" : "", ""))) {
            b.close();
            int failed = 0;
            for (int i = 0; i < 10; i++) {
                ContentResponse r = rig.client.POST(rig.uri("/upload")).body(new StringRequestContent("hello")).send();
                if (r.getStatus() == 502) {
                    failed++;
                } else {
                    assertEquals("5", r.getContentAsString());
                }
            }
            // at most max-fails=1 POST fails on the dead peer, then it is out of rotation
            assertTrue(failed <= 1, "failed POSTs " + failed);
        }
    }

    @Test
    void failStatusIsRetriedOnTheNextPeer() throws Exception {
        try (Origin a = new Origin("a"); Origin b = new Origin("b");
             Rig rig = Rig.start(twoPeers(a, b, "max-fails=\"0\"", "fail-status=\"503\"", ""))) {
            b.forcedStatus = 503;
            Load load = Load.run(rig, 200, 2);
            assertEquals(0, load.errors.get(), load.toString());
            assertEquals(200, load.count("a"), load.toString());
        }
    }

    @Test
    void retryTimeoutAndTriesLimitTheAttempts() throws Exception {
        try (Origin a = new Origin("a"); Origin b = new Origin("b");
             Rig rig = Rig.start(twoPeers(a, b, "max-fails=\"0\"", "fail-status=\"503\" tries=\"1\"", ""))) {
            a.forcedStatus = 503;
            b.forcedStatus = 503;
            ContentResponse r = rig.get("/x");
            assertEquals(503, r.getStatus(), "with tries=1 the upstream's own 503 is passed on");
        }
    }

    /** Waits (up to 30s, so a loaded machine cannot fail it) until the status page shows this text. */
    private static void awaitStatus(Rig rig, String text) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> rig.get("/upstreams").getContentAsString().contains(text));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no '" + text + "' on the status page within 30 s:\n" + rig.get("/upstreams").getContentAsString(), e);
        }
    }

    @Test
    void activeChecksTakeADeadPeerOutBeforeUsersNoticeAndBringItBack() throws Exception {
        Origin a = new Origin("a");
        Origin b = new Origin("b");
        int bPort = b.port();
        String config = twoPeers(a, b, "max-fails=\"0\"", "tries=\"1\"",
            "<health-check type=\"http\" path=\"/healthz\" interval=\"200ms\" timeout=\"300ms\" rise=\"2\" fall=\"2\"/>");
        try (Rig rig = Rig.start(config)) {
            Load warm = Load.run(rig, 100, 2);
            assertEquals(0, warm.errors.get(), warm.toString());
            b.close();
            // fall=2 probes at 200ms (+10% jitter): out after ~450ms on an idle machine
            awaitStatus(rig, "state=unhealthy");
            Load after = Load.run(rig, 500, 2);
            // tries=1 means no retry: only the health check can have kept users off the dead peer
            assertEquals(0, after.errors.get(), after.toString());
            assertTrue(rig.get("/upstreams").getContentAsString().contains("state=unhealthy"));
            // health is kept by address across a reload
            rig.nproxy.reload(config.replace("tries=\"1\"", "tries=\"1\" read-timeout=\"5s\""));
            Load afterReload = Load.run(rig, 200, 2);
            assertEquals(0, afterReload.errors.get(), afterReload.toString());
            // back on the same port: rise=2 probes bring it back
            b = new Origin("b", bPort);
            String bPeer = "peer=" + b.address() + " state=up";
            awaitStatus(rig, bPeer);
            Load back = Load.run(rig, 200, 2);
            assertEquals(0, back.errors.get(), back.toString());
            assertTrue(back.count("b") > 50, "b gets traffic again: " + back);
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void tcpCheckAndBackupPeer() throws Exception {
        try (Origin a = new Origin("a"); Origin spare = new Origin("spare")) {
            String config = """
                <nproxy>
                  <upstream name="origin">
                    <peer address="%s" max-fails="0"/>
                    <peer address="%s" backup="true"/>
                    <health-check type="tcp" interval="200ms" timeout="300ms" rise="1" fall="1"/>
                  </upstream>
                  <server><listen host="127.0.0.1" port="0"/>
                    <location path="= /upstreams"><upstream-status/></location>
                    <location path="/"><proxy upstream="origin" tries="1"/></location></server>
                </nproxy>""".formatted(a.address(), spare.address());
            try (Rig rig = Rig.start(config)) {
                assertEquals(100, Load.run(rig, 100, 1).count("a"), "the backup gets nothing while a is up");
                String aPeer = "peer=" + a.address() + " state=unhealthy";
                a.close();
                awaitStatus(rig, aPeer);
                Load load = Load.run(rig, 100, 1);
                assertEquals(0, load.errors.get(), load.toString());
                assertEquals(100, load.count("spare"), load.toString());
            }
        }
    }

    @Test
    void checksOfARemovedPeerStopAfterReload() throws Exception {
        try (Origin a = new Origin("a"); Origin b = new Origin("b")) {
            String check = "<health-check path=\"/healthz\" interval=\"100ms\" rise=\"1\" fall=\"1\"/>";
            String both = twoPeers(a, b, "", "", check);
            String onlyA = both.replaceFirst("<peer address=\"" + b.address() + "\" />", "");
            try (Rig rig = Rig.start(both)) {
                await("b is probed").atMost(Duration.ofSeconds(10))
                    .until(() -> b.requests.get() >= 3);
                var before = rig.nproxy.server().generation();
                assertTrue(rig.nproxy.reload(onlyA).ok());
                // The old generation lets go of its group (a probe already sent may still land)...
                await("the old generation stops").atMost(Duration.ofSeconds(10))
                    .until(before::isStopped);
                long probes = b.requests.get();
                long probesA = a.requests.get();
                // ...then ten check intervals pass without a probe to b, while a is probed on.
                await("no more probes to the removed peer").during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3)).until(() -> b.requests.get() <= probes + 1); // one probe may be on the wire
                assertTrue(a.requests.get() > probesA, "a is still probed after the reload");
            }
        }
    }
}
