package org.nproxy.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Process control of the unpacked tarball with real signals: {@code start} from a
 * non-interactive shell then {@code kill -INT}, {@code INT} during start-up, the wall time
 * {@code stop} reports, options before the verb, options {@code reload} cannot apply, {@code start}
 * returning only once the instance answers, log reopen under load, and the shipped systemd unit
 * and logrotate configuration.
 */
class OperationsIT {
    private static Install install;
    private static int port;

    @BeforeAll
    static void unpack() throws Exception {
        install = Install.unpack("ops it");
        port = Install.freePort();
        Files.writeString(install.home.resolve("etc/nproxy.properties"),
            "\nhttp.port=" + port + "\nhttps.port=" + Install.freePort() + "\n", StandardOpenOption.APPEND);
    }

    @AfterEach
    void stopIfRunning() throws Exception {
        install.stopIfRunning();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (install != null) {
            install.stopIfRunning();
        }
    }

    @Test
    void startFromANonInteractiveShellThenIntDrainsAndExits() throws Exception {
        // A background job of a non-interactive shell starts with SIGINT ignored; the launcher undoes that.
        Install.Result r = Install.exec(install.base, List.of("setsid", "-w", "bash", "-c", "\"$0\" start",
            install.home.resolve("bin/nproxy.sh").toString()), install.env());
        assertEquals(0, r.code(), r.out());
        long pid = install.pid();
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        Matcher ignored = Pattern.compile("SigIgn:\\s*([0-9a-f]+)").matcher(status);
        assertTrue(ignored.find(), status);
        assertEquals(0, Long.parseLong(ignored.group(1), 16) & 2, "SIGINT (bit 2) is not ignored: " + status);

        Install.signal(pid, "INT");
        assertTrue(Install.await(30_000, () -> !Install.alive(pid)), "pid " + pid + " exited after INT");
        String result = Files.readString(install.base.resolve("var/stop.result"));
        assertTrue(result.contains("0 in-flight request(s), 0 drained, 0 cut"), result);
        assertFalse(Files.exists(install.base.resolve("var/nproxy.pid")), "the pid file is gone");
        assertEquals(3, install.nproxy("status").code());
    }

    @Test
    void intDuringStartUpStopsCleanlyWithExitZero() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(install.home.resolve("bin/nproxy.sh").toString(), "run")
            .directory(install.base.toFile()).redirectErrorStream(true);
        pb.environment().putAll(install.env());
        Process run = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.contains(" starting, pid ")) {
                    // Before "started": the listeners may not even be open yet.
                    Install.signal(run.pid(), "INT");
                }
            }
        }
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "run exited");
        assertEquals(0, run.exitValue(), "a graceful stop, not the JVM's 130: " + lines);
        assertTrue(lines.stream().anyMatch(l -> l.contains("nproxy: stopped in") && l.contains(" 0 cut")), lines.toString());
    }

    @Test
    void stopPrintsTheWallTimeOfTheWholeVerb() throws Exception {
        assertEquals(0, install.nproxy("start").code());
        long t0 = System.nanoTime();
        Install.Result stop = install.nproxy("stop");
        long wall = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(0, stop.code(), stop.out());
        Matcher m = Pattern.compile("stopped in (\\d+)ms: .* 0 cut \\(server shutdown (\\d+)ms\\)").matcher(stop.out());
        assertTrue(m.find(), stop.out());
        long verb = Long.parseLong(m.group(1));
        long server = Long.parseLong(m.group(2));
        assertTrue(verb <= wall && verb >= server, "verb " + verb + "ms, wall " + wall + "ms, server " + server + "ms");
    }

    @Test
    void optionsGoBeforeOrAfterTheVerb() throws Exception {
        String config = install.home.resolve("etc/nproxy.xml").toString();
        for (List<String> args : List.of(List.of("--config", config, "check"), List.of("check", "--config", config),
            List.of("-Dhttp.port=" + port, "--config=" + config, "check"), List.of("-c", config, "check", "-Dx=y"))) {
            Install.Result r = install.nproxy(args.toArray(String[]::new));
            assertEquals(0, r.code(), args + ": " + r.out());
            assertTrue(r.out().contains("test is successful"), r.out());
        }
        Install.Result two = install.nproxy("check", "stop");
        assertEquals(2, two.code(), two.out());
        assertTrue(two.out().contains("two commands"), two.out());
    }

    @Test
    void reloadRefusesOptionsItCannotApply() throws Exception {
        assertEquals(0, install.nproxy("start").code());
        for (List<String> args : List.of(List.of("reload", "-Dhttp.port=1"), List.of("--config", "other.xml", "reload"))) {
            Install.Result r = install.nproxy(args.toArray(String[]::new));
            assertEquals(2, r.code(), args + ": " + r.out());
            assertTrue(r.out().contains("reload re-reads the configuration the running process was started with")
                && r.out().contains("use restart"), r.out());
        }
        Install.Result stop = install.nproxy("stop", "-Dx=y");
        assertEquals(2, stop.code(), stop.out());
        assertEquals(0, install.nproxy("status").code(), "still running: the refused verbs did nothing");
        assertEquals(0, install.nproxy("reload").code());
    }

    @Test
    void startReturnsOnlyOnceTheInstanceAnswers() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(2)).build();
        for (int i = 0; i < 2; i++) {
            Install.Result start = install.nproxy("start");
            assertEquals(0, start.code(), start.out());
            long pid = install.pid();
            assertTrue(start.out().contains("started, pid " + pid + ", listening on ") && start.out().contains(":" + port),
                start.out());
            // At once, no retry: start returned, so the listener accepts and the server answers.
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
                .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(0, install.nproxy("stop").code());
        }
        // A start that fails says why, with the log's last lines.
        Install.Result bad = install.nproxy("start", "-Dhttp.port=notaport");
        assertEquals(1, bad.code(), bad.out());
        assertTrue(bad.out().contains("failed to start") && bad.out().contains("notaport"), bad.out());
    }

    @Test
    void reopenUnderLoadPutsEveryLineInExactlyOneFile() throws Exception {
        Path logs = install.base.resolve("logs");
        Files.deleteIfExists(logs.resolve("access.log"));
        Files.deleteIfExists(logs.resolve("access.log.1"));
        Files.deleteIfExists(logs.resolve("nproxy.log"));
        Files.deleteIfExists(logs.resolve("nproxy.log.1"));
        assertEquals(0, install.nproxy("start").code());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        Queue<String> sent = new ConcurrentLinkedQueue<>();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> loops = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            loops.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; running.get(); n++) {
                    String id = "u" + thread + "-" + n; // a unique URI per request
                    try {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/ready?" + id)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            sent.add(id);
                            ok.incrementAndGet();
                        } else {
                            failures.add(id + ": " + r.statusCode());
                        }
                    } catch (Exception e) {
                        failures.add(id + ": " + e);
                    }
                }
            }));
        }
        try {
            assertTrue(Install.await(30_000, () -> ok.get() >= 500), "load runs: " + failures);
            // What logrotate does: move the files, then ask for new ones.
            Files.move(logs.resolve("access.log"), logs.resolve("access.log.1"));
            Files.move(logs.resolve("nproxy.log"), logs.resolve("nproxy.log.1"));
            Install.Result reopen = install.nproxy("reopen");
            assertEquals(0, reopen.code(), reopen.out());
            assertTrue(reopen.out().contains("reopened " + logs.resolve("nproxy.log") + ", " + logs.resolve("access.log")),
                reopen.out());
            int after = ok.get();
            assertTrue(Install.await(30_000, () -> ok.get() >= after + 500), "load goes on: " + failures);
        } finally {
            running.set(false);
            for (Thread t : loops) {
                t.join(30_000);
            }
        }
        assertEquals(0, install.nproxy("stop").code()); // writes the buffered lines
        assertEquals(List.of(), List.copyOf(failures));
        Map<String, Integer> seen = new HashMap<>();
        Pattern line = Pattern.compile("^127\\.0\\.0\\.1 - - \\[[^]]+] \"GET /ready\\?(u\\d+-\\d+) HTTP/1\\.1\" 200 .*");
        int[] perFile = new int[2];
        int f = 0;
        for (String name : List.of("access.log.1", "access.log")) {
            for (String l : Files.readAllLines(logs.resolve(name))) {
                Matcher m = line.matcher(l);
                assertTrue(m.matches(), name + ": a whole line: " + l);
                seen.merge(m.group(1), 1, Integer::sum);
                perFile[f]++;
            }
            f++;
        }
        assertTrue(perFile[0] >= 500 && perFile[1] >= 500, "both files got lines: " + perFile[0] + " + " + perFile[1]);
        List<String> twice = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertEquals(List.of(), twice, "no line twice");
        List<String> lost = sent.stream().filter(id -> !seen.containsKey(id)).toList();
        assertEquals(List.of(), lost, "no line lost");
        assertEquals(sent.size(), seen.size(), "nothing logged that was not sent");
        System.out.println("reopen under load: " + sent.size() + " requests, " + perFile[0] + " lines in access.log.1, "
            + perFile[1] + " in access.log");
        // The server's own log moved too: start-up in the old file, the reopen and the stop in the new one.
        String before = Files.readString(logs.resolve("nproxy.log.1"));
        String now = Files.readString(logs.resolve("nproxy.log"));
        assertTrue(before.contains(" starting, pid ") && !before.contains("nproxy: stopped in"), before);
        assertTrue(now.contains("reopened ") && now.contains("stopped in") && !now.contains(" starting, pid "), now);
    }

    /** The kernel setting a lossless upgrade needs ships as a sysctl.d file whose key the kernel knows. */
    @Test
    void shippedSysctlFileSetsTheKeyTheKernelHas() throws Exception {
        Map<String, String> keys = new HashMap<>();
        for (String l : Files.readAllLines(install.home.resolve("etc/sysctl.d/60-nproxy.conf"))) {
            String line = l.strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                assertTrue(line.contains("="), "sysctl.d syntax is key = value: " + line);
                keys.put(line.substring(0, line.indexOf('=')).strip(), line.substring(line.indexOf('=') + 1).strip());
            }
        }
        assertEquals(Map.of("net.ipv4.tcp_migrate_req", "1"), keys);
        for (String key : keys.keySet()) {
            assertTrue(Files.exists(Path.of("/proc/sys", key.replace('.', '/'))), "this kernel has " + key);
        }
    }

    @Test
    void shippedSystemdUnitAndLogrotateConfigAreValid() throws Exception {
        Path unit = install.home.resolve("etc/systemd/nproxy.service");
        String text = Files.readString(unit);
        Map<String, String> keys = new HashMap<>();
        for (String l : text.split("\n")) {
            if (!l.startsWith("#") && l.contains("=")) {
                keys.merge(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1), (a, b) -> a + " " + b);
            }
        }
        assertEquals("forking", keys.get("Type"));
        assertEquals("/opt/nproxy/var/nproxy.pid", keys.get("PIDFile"));
        assertEquals("/opt/nproxy/bin/nproxy.sh start", keys.get("ExecStart"));
        assertEquals("/opt/nproxy/bin/nproxy.sh reload", keys.get("ExecReload"));
        assertEquals("SIGTERM", keys.get("KillSignal"), "TERM drains");
        assertTrue(Integer.parseInt(keys.get("TimeoutStopSec")) > 60, "beyond the 30s shutdown and 60s drain timeouts");
        assertTrue(Integer.parseInt(keys.get("LimitNOFILE")) >= 65536);
        assertEquals("yes", keys.get("NoNewPrivileges"));
        assertEquals("strict", keys.get("ProtectSystem"));
        assertTrue(keys.get("ReadWritePaths").contains("/opt/nproxy/logs") && keys.get("ReadWritePaths").contains("/opt/nproxy/var"));
        assertEquals("yes", keys.get("PrivateTmp"));
        Path work = Files.createTempDirectory(install.base.resolve("var").getParent(), "ops-files");
        if (onPath("systemd-analyze")) {
            // The paths pointed at this install, so that verify finds the executables it names
            // (through a link: unit files split paths at spaces, and the test's directory has one).
            Path sandbox = Files.createTempDirectory("nproxy-unit");
            try {
                Files.createSymbolicLink(sandbox.resolve("bin"), install.home.resolve("bin"));
                Path local = sandbox.resolve("nproxy.service");
                Files.writeString(local, text.replace("/opt/nproxy", sandbox.toString()));
                Install.Result verify = Install.exec(sandbox, List.of("systemd-analyze", "verify", local.toString()), Map.of());
                assertEquals(0, verify.code(), verify.out());
                assertEquals("", verify.out().strip(), "no warning");
            } finally {
                Files.deleteIfExists(sandbox.resolve("nproxy.service"));
                Files.deleteIfExists(sandbox.resolve("bin"));
                Files.deleteIfExists(sandbox);
            }
        } else {
            System.out.println("systemd-analyze not installed: checked the unit's keys only");
        }
        String rotate = Files.readString(install.home.resolve("etc/logrotate.d/nproxy"));
        assertTrue(rotate.lines().noneMatch(l -> l.strip().equals("copytruncate")), "no copytruncate");
        assertTrue(rotate.contains("postrotate") && rotate.contains("nproxy.sh reopen"), rotate);
        if (!onPath("logrotate")) {
            System.out.println("logrotate not installed: checked the file's text only");
            return;
        }
        // The shipped file pointed at this instance (without the user switch, which needs root and
        // the nproxy user), run for real: the access log rotates and the process writes the new file.
        Path config = work.resolve("logrotate.conf");
        String base = install.base.toString();
        Files.writeString(config, rotate // quoted: the test's directory has a space
            .replace("/opt/nproxy/logs/access.log", "\"" + base + "/logs/access.log\"")
            .replace("/opt/nproxy/logs/nproxy.log", "\"" + base + "/logs/nproxy.log\"")
            .replace("NPROXY_BASE=/opt/nproxy /opt/nproxy/bin/nproxy.sh",
                "NPROXY_BASE='" + base + "' '" + install.home.resolve("bin/nproxy.sh") + "'")
            .lines().filter(l -> !l.strip().startsWith("su ") && !l.strip().startsWith("create "))
            .reduce("", (a, b) -> a + b + "\n"));
        Install.Result dry = Install.exec(work, List.of("logrotate", "-d", "-f", "-s", work.resolve("state").toString(),
            config.toString()), Map.of());
        assertEquals(0, dry.code(), dry.out());
        assertTrue(dry.out().contains("running postrotate script"), dry.out());
        Path logs = install.base.resolve("logs");
        for (String name : List.of("access.log", "access.log.1", "access.log.2.gz")) {
            Files.deleteIfExists(logs.resolve(name));
        }
        assertEquals(0, install.nproxy("start").code());
        HttpClient client = HttpClient.newHttpClient();
        client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready?before")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertTrue(Install.await(10_000, () -> contains(logs.resolve("access.log"), "/ready?before")), "logged");
        Map<String, String> env = new HashMap<>(install.env());
        Install.Result real = Install.exec(work, List.of("logrotate", "-f", "-s", work.resolve("state").toString(),
            config.toString()), env);
        assertEquals(0, real.code(), real.out());
        client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready?after")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertTrue(Install.await(10_000, () -> contains(logs.resolve("access.log"), "/ready?after")),
            "the new file gets the next line (postrotate reopened it)");
        assertTrue(contains(logs.resolve("access.log.1"), "/ready?before") && !contains(logs.resolve("access.log.1"), "?after"));
        assertFalse(contains(logs.resolve("access.log"), "?before"));
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.isRegularFile(file) && Files.readString(file).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
