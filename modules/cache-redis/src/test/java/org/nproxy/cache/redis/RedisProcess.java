package org.nproxy.cache.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.Skip;

/**
 * A real {@code redis-server} on a free port of 127.0.0.1, without persistence, stopped by its PID
 * ({@link #kill} with SIGKILL, {@link #close} with SIGTERM); {@link #restart} starts it again on
 * the same port. {@link #cli} runs {@code redis-cli} against it.
 */
final class RedisProcess implements AutoCloseable {
    static final String SERVER = "/usr/bin/redis-server";
    static final String CLI = "/usr/bin/redis-cli";

    final int port;
    private final Path dir;
    private final List<String> extra;
    private Path config;
    private Process process;

    private RedisProcess(int port, Path dir, List<String> extra) {
        this.port = port;
        this.dir = dir;
        this.extra = extra;
    }

    /** A Sentinel ({@code redis-server sentinel.conf --sentinel}) watching a master as {@code mymaster}. */
    static RedisProcess startSentinel(int masterPort) throws Exception {
        assumeInstalled();
        RedisProcess r = new RedisProcess(NproxyFixture.freePort(), Files.createTempDirectory("nproxy-redis-sentinel"),
            List.of("--sentinel"));
        r.config = r.dir.resolve("sentinel.conf");
        Files.writeString(r.config, "sentinel monitor mymaster 127.0.0.1 " + masterPort + " 1\n"
            + "sentinel down-after-milliseconds mymaster 5000\n");
        r.launch();
        return r;
    }

    /** Skips the test when Debian's redis-server is not installed (.ci/run installs it). */
    static void assumeInstalled() {
        boolean installed = Files.isExecutable(Path.of(SERVER)) && Files.isExecutable(Path.of(CLI));
        if (!installed && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("redis-server is not installed; .ci/run installs it");
        }
        Skip.unless(Files.isExecutable(Path.of(SERVER)) && Files.isExecutable(Path.of(CLI)),
            "redis-server and redis-cli are not installed (apt-get install redis-server)");
    }

    static RedisProcess start(String... extra) throws Exception {
        assumeInstalled();
        RedisProcess r = new RedisProcess(NproxyFixture.freePort(), Files.createTempDirectory("nproxy-redis"), List.of(extra));
        r.launch();
        return r;
    }

    /** A node for a Redis Cluster: its bus port (port + 10000) must be free too. */
    static RedisProcess startClusterNode() throws Exception {
        assumeInstalled();
        for (int tries = 0; ; tries++) {
            int port = NproxyFixture.freePort();
            if (port < 55000 && free(port + 10000)) {
                RedisProcess r = new RedisProcess(port, Files.createTempDirectory("nproxy-redis-cluster"),
                    List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"));
                r.launch();
                return r;
            }
            if (tries > 50) {
                throw new IllegalStateException("no free port pair for a cluster node");
            }
        }
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    void launch() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SERVER));
        if (config != null) {
            cmd.add(config.toString()); // a Sentinel's configuration file comes first and stays writable
        }
        cmd.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1",
            "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString()));
        if (config == null) {
            cmd.addAll(List.of("--save", "", "--appendonly", "no"));
        }
        cmd.addAll(extra);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited: " + Files.readString(dir.resolve("stdout.log"))
                    + (Files.exists(dir.resolve("redis.log")) ? Files.readString(dir.resolve("redis.log")) : ""));
            }
            String pong = cli("PING");
            if (pong.contains("PONG") || pong.contains("NOAUTH")) {
                return;
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("redis-server on port " + port + " did not answer PING: " + pong);
            }
            Thread.sleep(50);
        }
    }

    /** SIGKILL by PID, then waits for the process to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts redis-server again on the same port (empty: no persistence). */
    void restart() throws Exception {
        launch();
    }

    long pid() {
        return process.pid();
    }

    /** Runs redis-cli with these arguments; its output (stdout and stderr). */
    String cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(CLI, "-h", "127.0.0.1", "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Writes raw bytes under a key (what an operator or another program might do by hand). */
    void setRaw(String key, byte[] value) throws IOException, InterruptedException {
        List<String> cmd = List.of(CLI, "-h", "127.0.0.1", "-p", String.valueOf(port), "-x", "SET", key);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write(value);
        p.getOutputStream().close();
        p.getInputStream().readAllBytes();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
