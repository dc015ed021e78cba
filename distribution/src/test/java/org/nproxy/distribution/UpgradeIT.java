package org.nproxy.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code nproxy.sh upgrade} between two unpacked installs sharing one NPROXY_BASE, under load:
 * HTTP/1.1 loops, HTTP/2 clients, a slow request always in flight, GETs through a disk cache zone
 * and 100 open WebSocket tunnels.
 * First a new install that cannot start (the old one keeps serving, the reason is printed), then a
 * good one: no failed request, no tunnel cut, the old process gone once its tunnels ended.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpgradeIT {
    private static Install oldInstall;
    private static Install newInstall;
    private static Install brokenInstall;
    private static Load load;
    private static int port;
    /** WebSocket tunnels open during the upgrade, as issue 16 asks. */
    private static final int TUNNELS = 100;
    /** WebSocket tunnels opened while the old process stops accepting. */
    private static final int RACING_TUNNELS = 20;

    @BeforeAll
    static void setUp() throws Exception {
        // Without it the kernel resets a connection queued on the old listener as it closes, and this
        // test's "no failed request" fails now and then: that is the product's documented limit.
        Path migrate = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
        assertEquals("1", Files.exists(migrate) ? Files.readString(migrate).trim() : "absent",
            "net.ipv4.tcp_migrate_req must be 1 for a lossless upgrade: run `sysctl -w net.ipv4.tcp_migrate_req=1` as root"
                + " (.ci/run does; etc/sysctl.d/60-nproxy.conf)");
        Install a = Install.unpack("upgrade it/old");
        Install b = Install.unpack("upgrade it/new");
        Install c = Install.unpack("upgrade it/broken");
        Path base = Path.of("target", "upgrade it", "base").toAbsolutePath();
        // A fresh base each run: the test waits for lines of nproxy.log, which an earlier run's would fake.
        org.eclipse.jetty.util.IO.delete(base.toFile());
        Files.createDirectories(base.resolve("etc"));
        oldInstall = a.withBase(base);
        newInstall = b.withBase(base);
        brokenInstall = c.withBase(base);
        // The broken install: the same module type in two jars fails its start-up.
        Path jar = Path.of(System.getProperty("nproxy.example.jar"));
        Files.copy(jar, c.home.resolve("lib/ext/one.jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(jar, c.home.resolve("lib/ext/two.jar"), StandardCopyOption.REPLACE_EXISTING);

        port = Install.freePort();
        load = new Load(port);
        Files.writeString(base.resolve("etc/nproxy.properties"), "http.port=" + port + "\n");
        Files.writeString(base.resolve("etc/nproxy.xml"), """
            <nproxy shutdown-timeout="10s" drain-timeout="30s">
              <access-log path="logs/access.log" format="combined"/>
              <upstream name="echo"><peer address="127.0.0.1:%d"/></upstream>
              <cache-zone name="z" heap="8m" disk="32m" dir="var/cache/z"/>
              <server names="localhost" default="true">
                <listen host="127.0.0.1" port="${http.port}" protocols="http/1.1 h2c"/>
                <location path="= /ping"><return status="200" body="pong"/></location>
                <location path="= /slow"><return status="200" body="slow" delay="1500ms"/></location>
                <location path="= /ready"><ready/></location>
                <location path="/ws/"><websocket upstream="echo"/></location>
                <location path="/cached/"><cache zone="z"/><proxy upstream="echo"/></location>
              </server>
            </nproxy>
            """.formatted(load.upstreamPort()));
        Install.Result start = oldInstall.nproxy("start");
        assertEquals(0, start.code(), start.out());
        load.tunnelIntervalMillis = 250; // 100 tunnels: 400 messages a second, on a shared 2-core machine
        load.start(3, 2, TUNNELS);
        load.cachedLoop("/cached/small");
        load.cachedLoop("/cached/large");
        assertTrue(load.awaitMore(50, 30_000), "load runs: " + load.failures);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (load != null) {
            load.close();
        }
        if (oldInstall != null) {
            oldInstall.stopIfRunning();
        }
    }

    private static void mark(String what) {
        System.out.println(java.time.LocalTime.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS) + " UpgradeIT: " + what);
    }

    /** One thread per task: the common pool has a single worker on two cores. */
    private static final java.util.concurrent.Executor THREADS = r -> Thread.ofPlatform().start(r);

    @Test
    @Order(1)
    void aNewInstallThatCannotStartLeavesTheOldOneServing() throws Exception {
        long old = oldInstall.pid();
        Install.Result r = oldInstall.nproxy("upgrade", "--home", brokenInstall.home.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("upgrade failed") && r.out().contains("pid " + old + " keeps serving"), r.out());
        assertTrue(r.out().contains("is in two jars") || r.out().contains("is defined twice"), "the reason: " + r.out());
        assertEquals(old, oldInstall.pid(), "the pid file still names the old process");
        assertTrue(load.awaitMore(50, 30_000), "still serving");
        assertEquals(0, oldInstall.nproxy("status").code());
        assertEquals(List.of(), List.copyOf(load.failures));
    }

    @Test
    @Order(2)
    void upgradeUnderLoadFailsNoRequestAndCutsNoTunnel() throws Exception {
        long old = oldInstall.pid();
        CompletableFuture<Install.Result> upgrade = CompletableFuture.supplyAsync(() -> {
            try {
                return oldInstall.nproxy("upgrade", "--home", newInstall.home.toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, THREADS);
        assertTrue(Install.await(60_000, () -> {
            try {
                return oldInstall.pid() != old;
            } catch (Exception e) {
                return false;
            }
        }), "the pid file moves to the new process");
        mark("pid file moved");
        // Tunnels opened in the instant the old process stops accepting (it does right after the pid file
        // moves): whichever process answers the upgrade, none may be cut.
        List<CompletableFuture<Load.Tunnel>> opening = new java.util.ArrayList<>();
        for (int i = 0; i < RACING_TUNNELS; i++) {
            opening.add(load.openTunnelAsync("racing" + i));
            Thread.sleep(15);
        }
        for (CompletableFuture<Load.Tunnel> t : opening) {
            load.tunnels.add(t.get(30, TimeUnit.SECONDS));
        }
        mark("racing tunnels open");
        long fresh = newInstall.pid();
        assertNotEquals(old, fresh);
        // The old process logs this once its listening sockets are closed (TERM follows the pid file move).
        Path log = oldInstall.base.resolve("logs/nproxy.log");
        assertTrue(Install.await(30_000, () -> {
            try {
                return Files.readString(log).contains("nproxy handing over: stopped accepting");
            } catch (java.io.IOException e) {
                return false;
            }
        }), "the old process stopped accepting");
        mark("old process stopped accepting");
        // The old process drains: its tunnels keep echoing while the new process takes everything new.
        int[] before = load.tunnels.stream().mapToInt(t -> t.echoed.get()).toArray();
        assertTrue(load.awaitMore(100, 30_000), "requests go on: " + load.failures);
        mark("opening a new tunnel");
        Load.Tunnel fresh1 = load.openTunnel("after");
        load.tunnels.add(fresh1);
        assertTrue(Install.await(10_000, () -> fresh1.echoed.get() >= 3), "a new tunnel opens (on the new process): " + load.failures);
        for (int i = 0; i < before.length; i++) {
            int from = before[i];
            Load.Tunnel t = load.tunnels.get(i);
            assertTrue(Install.await(10_000, () -> t.echoed.get() >= from + 5), "tunnel " + t.name + " still echoes");
        }
        assertTrue(Install.alive(old), "the old process waits for its tunnels");
        assertTrue(!upgrade.isDone(), "upgrade waits for the old process");
        mark("closing the old tunnels");
        long closed = System.nanoTime();
        for (Load.Tunnel t : load.tunnels.subList(0, before.length)) {
            t.stop();
        }
        Install.Result r = upgrade.get(60, TimeUnit.SECONDS);
        mark("upgrade done");
        long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed);
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("pid " + fresh + " (" + newInstall.home + ") is serving"), r.out());
        assertTrue(r.out().contains("old pid " + old + " exited") && r.out().contains(" 0 cut"), r.out());
        assertTrue(exitMillis < 15_000, "the old process left soon after its last tunnel, not at the 30s drain timeout: "
            + exitMillis + "ms");
        assertTrue(!Install.alive(old), "old process gone");
        assertTrue(load.awaitMore(100, 30_000), "the new process serves");
        assertEquals(List.of(), List.copyOf(load.failures), "no failed request, no tunnel closed by the server");
        System.out.println("upgrade under load: " + load.ok.get() + " requests ok, " + load.retried.get()
            + " HTTP/2 request(s) refused unprocessed at the GOAWAY and sent again");
        // The disk cache zone: the new process started on its memory tiers while the old one held the
        // directory, and took the disk tier over once the old one exited.
        String serverLog = Files.readString(log);
        assertTrue(serverLog.contains("cache zone " + oldInstall.base.resolve("var/cache/z") + ": the directory is in use by another process"),
            "the new process started on the memory tiers");
        assertTrue(Install.await(10_000, () -> {
            try {
                return Files.readString(log).contains("took it over with its disk tier");
            } catch (java.io.IOException e) {
                return false;
            }
        }), "the new process took the disk tier over");
        assertTrue(load.awaitMore(50, 30_000), "still serving, cache included");
        assertEquals(List.of(), List.copyOf(load.failures));
        Install.Result status = newInstall.nproxy("status");
        assertEquals(0, status.code(), status.out());
        assertTrue(status.out().contains("pid " + fresh + ", serving"), status.out());
    }
}
