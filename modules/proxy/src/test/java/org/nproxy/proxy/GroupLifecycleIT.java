package org.nproxy.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.nproxy.upstream.UpstreamGroup;

/**
 * An upstream group's runtime (pool client, health checkers) is shared by reference count: a
 * reload that renames the group opens a new one and closes the old one after the drain, so
 * nothing leaks however often it happens, and no request fails meanwhile.
 */
class GroupLifecycleIT {
    private static String config(String group, Origin origin) {
        return """
            <nproxy drain-timeout="5s">
              <upstream name="%s">
                <peer address="%s"/>
                <health-check type="http" path="/echo" interval="200ms"/>
              </upstream>
              <server>
                <listen host="127.0.0.1" port="0"/>
                <location path="/"><proxy upstream="%s"/></location>
              </server>
            </nproxy>
            """.formatted(group, origin.address(), group);
    }

    @Test
    void renamingAGroupFiftyTimesUnderLoadLeaksNoClientOrHealthChecker() throws Exception {
        try (Origin origin = new Origin("a"); Rig rig = Rig.start(config("app0", origin))) {
            int groups = UpstreamGroup.openGroups();
            int checkers = UpstreamGroup.runningHealthChecks();
            assertTrue(groups >= 1 && checkers >= 1, groups + " groups, " + checkers + " checkers");

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            Thread[] load = new Thread[4];
            for (int t = 0; t < load.length; t++) {
                load[t] = Thread.ofPlatform().start(() -> {
                    while (running.get()) {
                        try {
                            ContentResponse r = rig.get("/echo");
                            (r.getStatus() == 200 ? ok : failed).incrementAndGet();
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                    }
                });
            }
            try {
                for (int i = 1; i <= 50; i++) {
                    assertTrue(rig.nproxy.reload(config("app" + i, origin)).ok(), "reload " + i);
                }
            } finally {
                running.set(false);
                for (Thread t : load) {
                    t.join();
                }
            }
            assertEquals(0, failed.get(), ok.get() + " ok, " + failed.get() + " failed");
            assertTrue(ok.get() > 50, ok.get() + " requests went through");
            // Old generations drain in the background (no request is left in them): wait for the releases.
            try {
                await().atMost(Duration.ofSeconds(10))
                    .until(() -> UpstreamGroup.openGroups() == groups && UpstreamGroup.runningHealthChecks() == checkers);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // the assertions below say which count is off
            }
            assertEquals(groups, UpstreamGroup.openGroups(), "pool clients open after 50 renames");
            assertEquals(checkers, UpstreamGroup.runningHealthChecks(), "health checkers running after 50 renames");
        }
    }

    @Test
    void aReloadThatKeepsTheGroupKeepsItsRuntime() throws Exception {
        try (Origin origin = new Origin("a"); Rig rig = Rig.start(config("app", origin))) {
            assertEquals(200, rig.get("/echo").getStatus());
            Object before = rig.nproxy.server().sharedResources().values().stream()
                .filter(UpstreamGroup.class::isInstance).findFirst().orElseThrow();
            String same = config("app", origin).replace("<nproxy drain-timeout=\"5s\">", "<nproxy drain-timeout=\"5s\">\n  <!-- moved a line -->");
            assertTrue(rig.nproxy.reload(same).ok());
            assertEquals(200, rig.get("/echo").getStatus());
            Object after = rig.nproxy.server().sharedResources().values().stream()
                .filter(UpstreamGroup.class::isInstance).findFirst().orElseThrow();
            assertTrue(before == after, "the same group runtime (pool, peer health) serves the new generation");
        }
    }
}
