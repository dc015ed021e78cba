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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Process control of the unpacked tarball with real signals: {@code start} from a
 * non-interactive shell then {@code kill -INT}, {@code INT} during start-up, the wall time
 * {@code stop} reports, options before the verb, and options {@code reload} cannot apply.
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
}
