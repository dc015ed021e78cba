package org.nproxy.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One unpacked tarball (the install, {@code NPROXY_HOME}) driven through its
 * {@code bin/nproxy.sh} for one instance directory ({@code NPROXY_BASE}), for the distribution
 * tests. Every process the script starts is stopped by pid in {@link #stopIfRunning()}.
 */
final class Install {
    final Path home;
    final Path base;

    /** The output and exit status of a command. */
    record Result(int code, String out) {
    }

    private Install(Path home, Path base) {
        this.home = home;
        this.base = base;
    }

    /** Unpacks the tarball under {@code target/<dir>/}; the base is the install itself. */
    static Install unpack(String dir) throws Exception {
        Path tarball = Path.of(System.getProperty("nproxy.tarball"));
        assertTrue(Files.isRegularFile(tarball), "tarball " + tarball);
        Path root = Path.of("target", dir).toAbsolutePath();
        if (Files.exists(root)) {
            exec(Path.of("/"), List.of("rm", "-rf", root.toString()), Map.of());
        }
        Files.createDirectories(root);
        Result untar = exec(root, List.of("tar", "xzf", tarball.toString()), Map.of());
        assertEquals(0, untar.code(), untar.out());
        Path home = root.resolve("nproxy-" + System.getProperty("nproxy.version"));
        return new Install(home, home);
    }

    /** The same install driving another instance directory. */
    Install withBase(Path otherBase) {
        return new Install(home, otherBase);
    }

    /** Runs {@code bin/nproxy.sh args...} with this home and base. */
    Result nproxy(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/nproxy.sh").toString());
        cmd.addAll(List.of(args));
        return exec(base, cmd, env());
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", System.getProperty("nproxy.java.home"));
        env.put("NPROXY_BASE", base.toString());
        env.put("NPROXY_JAVA_OPTS", "-Xmx256m");
        // No background AOT training after each start of each test's fresh base (AotCacheIT turns it on).
        env.put("NPROXY_AOT", "off");
        return env;
    }

    /** The pid in {@code var/nproxy.pid}, or -1. */
    long pid() throws IOException {
        Path file = base.resolve("var/nproxy.pid");
        if (!Files.isRegularFile(file)) {
            return -1;
        }
        String text = Files.readString(file).trim();
        return text.isEmpty() ? -1 : Long.parseLong(text);
    }

    /** Stops the instance if its pid file names a live process; kills it if the stop fails. */
    void stopIfRunning() throws Exception {
        long pid = pid();
        if (pid > 0 && alive(pid)) {
            if (nproxy("stop").code() != 0 && alive(pid)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    static boolean alive(long pid) {
        // A zombie (exited, not reaped yet) reports alive to ProcessHandle; /proc tells.
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    static void signal(long pid, String signal) throws Exception {
        Result r = exec(Path.of("/"), List.of("kill", "-" + signal, Long.toString(pid)), Map.of());
        assertEquals(0, r.code(), r.out());
    }

    /** Polls every 20 ms until the condition holds; false after the timeout. */
    static boolean await(long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        try {
            Awaitility.await().atMost(Duration.ofMillis(timeoutMillis)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    static Result exec(Path dir, List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
