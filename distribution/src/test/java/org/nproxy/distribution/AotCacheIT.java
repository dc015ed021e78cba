package org.nproxy.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JVM's AOT cache as {@code bin/nproxy.sh} manages it (JDK 25+): the first start of a base
 * makes one in the background, later starts and checks map it, and a cache the JVM cannot use
 * (truncated here; a JDK update under the same path looks the same to the JVM) is ignored
 * without a line of output: start and check print exactly what they print without one. A jar
 * dropped into lib/ext/ leaves the cache in use. One test method: the steps depend on each other.
 */
class AotCacheIT {
    private static Install install;
    private static int port;

    @BeforeAll
    static void unpack() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25+");
        install = Install.unpack("aot it");
        port = Install.freePort();
        Files.writeString(install.base.resolve("etc/nproxy.properties"),
            "\nhttp.port=" + port + "\nhttps.port=" + Install.freePort() + "\n", StandardOpenOption.APPEND);
    }

    @AfterAll
    static void stop() throws Exception {
        if (install != null) {
            install.stopIfRunning();
        }
    }

    private static Install.Result nproxy(String... args) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(install.env());
        env.put("NPROXY_AOT", "on");
        env.remove("NPROXY_JAVA_OPTS"); // the shipped defaults, as a user runs them
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(install.home.resolve("bin/nproxy.sh").toString());
        cmd.addAll(List.of(args));
        return Install.exec(install.base, cmd, env);
    }

    private static List<Path> caches() throws IOException {
        Path dir = install.base.resolve("var/aot");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("nproxy-\\d+\\.aot")).toList();
        }
    }

    /** Whether the running process has the file mapped (the JVM maps a cache it uses). */
    private static boolean mapped(long pid, Path file) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(pid), "maps")).contains(file.toString());
    }

    private static void assertServes() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("pong", r.body());
    }

    /** start's and check's output with or without a cache: no JVM line about CDS or AOT, no warning. */
    private static void assertQuiet(Install.Result r) throws IOException {
        assertEquals(0, r.code(), r.out());
        for (String line : r.out().split("\n")) {
            assertTrue(line.isEmpty() || line.startsWith("nproxy"), "unexpected output line: " + line + "\n" + r.out());
        }
        String log = Files.readString(install.base.resolve("logs/nproxy.log"));
        assertFalse(log.contains("[aot]") || log.contains("[cds]") || log.contains("AOT cache")
            || log.contains("shared archive"), "the JVM wrote about the cache:\n" + log);
        // The training has its own log (var/aot/train.log): its server never writes the operator's.
        assertFalse(log.contains("nproxy-aot-train"), "the training wrote into logs/nproxy.log:\n" + log);
    }

    @Test
    void madeAfterTheFirstStartUsedLaterAndIgnoredQuietlyWhenUnusable() throws Exception {
        // 1. First start: no cache; the training runs in the background and leaves one.
        assertTrue(caches().isEmpty());
        assertQuiet(nproxy("start"));
        assertServes();
        assertTrue(Install.await(240_000, () -> {
            try {
                return caches().size() == 1 && !Files.exists(Path.of(caches().get(0) + ".tmp"));
            } catch (IOException e) {
                return false;
            }
        }), "no AOT cache in var/aot after 240 s; var/aot/train.log says: " + trainLog());
        Path cache = caches().get(0);
        assertEquals(0, nproxy("stop").code());

        // 2. The next start maps it, and so does check (the same JVM options and class path).
        assertQuiet(nproxy("start"));
        assertServes();
        assertTrue(mapped(install.pid(), cache), "the server does not use " + cache);
        assertQuiet(nproxy("check"));
        assertEquals(0, nproxy("stop").code());

        // 3. A jar in lib/ext/ (read by Nproxy's own class loader, not on the JVM's class path): still used.
        Files.copy(Path.of(System.getProperty("nproxy.example.jar")), install.home.resolve("lib/ext/example.jar"));
        assertQuiet(nproxy("start"));
        assertServes();
        assertTrue(mapped(install.pid(), cache), "a jar in lib/ext/ made the cache unusable");
        assertEquals(0, nproxy("stop").code());

        // 4. A cache the JVM cannot use: ignored, not a word on start or check, and the server serves.
        try (RandomAccessFile f = new RandomAccessFile(cache.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertQuiet(nproxy("start"));
        assertServes();
        assertFalse(mapped(install.pid(), cache), "the JVM mapped a truncated cache");
        assertQuiet(nproxy("check"));
        assertEquals(0, nproxy("stop").code());
    }

    private static String trainLog() {
        try {
            return Files.readString(install.base.resolve("var/aot/train.log"));
        } catch (IOException e) {
            return "(no train.log: " + e + ")";
        }
    }
}
