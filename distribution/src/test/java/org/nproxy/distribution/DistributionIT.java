package org.nproxy.distribution;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The tarball as an operator gets it: unpacked under a path with spaces, driven through a
 * symlink to {@code bin/nproxy.sh} from another working directory. Tests run in order on one
 * unpacked install: check, start, reload (bad, then good), module drop-in, graceful stop.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributionIT {
    private static Path home;
    private static Path link;
    private static Path cwd;
    private static int port;
    private static int httpsPort;
    private static final HttpClient CLIENT = new HttpClient();

    record Result(int code, String out) {
    }

    @BeforeAll
    static void unpack() throws Exception {
        CLIENT.start();
        Path tarball = Path.of(System.getProperty("nproxy.tarball"));
        assertTrue(Files.isRegularFile(tarball), "tarball " + tarball);
        Path root = Path.of("target", "dist it", "unpacked here").toAbsolutePath();
        if (Files.exists(root)) {
            exec(Path.of("/"), List.of("rm", "-rf", root.toString()), Map.of());
        }
        Files.createDirectories(root);
        Result untar = exec(root, List.of("tar", "xzf", tarball.toString()), Map.of());
        assertEquals(0, untar.code(), untar.out());
        home = root.resolve("nproxy-" + System.getProperty("nproxy.version"));
        assertTrue(Files.isExecutable(home.resolve("bin/nproxy.sh")), "bin/nproxy.sh is executable");
        Path links = Path.of("target", "dist it", "links").toAbsolutePath();
        Files.createDirectories(links);
        link = links.resolve("nproxy");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, home.resolve("bin/nproxy.sh"));
        cwd = Files.createTempDirectory("nproxy-cwd");
        port = freePort();
        httpsPort = freePort();
        // Operators tune ports in etc/nproxy.properties; a later line wins.
        Files.writeString(home.resolve("etc/nproxy.properties"), "\nhttp.port=" + port + "\nhttps.port=" + httpsPort + "\n",
            java.nio.file.StandardOpenOption.APPEND);
    }

    @AfterAll
    static void stopIfRunning() throws Exception {
        if (home != null) {
            nproxy("stop");
        }
        CLIENT.stop();
    }

    @Test
    @Order(1)
    void versionFindsJavaWithoutJavaHome() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", "");
        env.put("PATH", "/usr/bin:/bin");
        Result r = exec(cwd, List.of(link.toString(), "version"), env);
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("nproxy " + System.getProperty("nproxy.version")), r.out());
    }

    @Test
    @Order(2)
    void checkAcceptsTheBundledConfigAndRejectsATypo() throws Exception {
        Result ok = nproxy("check");
        assertEquals(0, ok.code(), ok.out());
        assertTrue(ok.out().contains("test is successful"), ok.out());

        Path bad = cwd.resolve("bad config.xml");
        Files.writeString(bad, """
            <nproxy>
              <server>
                <listen host="127.0.0.1" port="1" bogus="x"/>
                <location path="/"><return delay="10 seconds"/></location>
              </server>
            </nproxy>
            """);
        Result r = nproxy("check", "--config", bad.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains(bad + ":3:39: unknown attribute 'bogus' on <listen>"), r.out());
        assertTrue(r.out().contains(bad + ":4:32: bad duration delay=\"10 seconds\""), r.out());
        assertTrue(r.out().contains("test failed"), r.out());
    }

    @Test
    @Order(3)
    void startServesTheWelcomePage() throws Exception {
        Result r = nproxy("start");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("listening on http://127.0.0.1:" + port), r.out());
        ContentResponse page = get("/");
        assertEquals(200, page.getStatus());
        assertTrue(page.getContentAsString().contains("Welcome to Nproxy!"), page.getContentAsString());
        assertEquals(0, nproxy("status").code());
        // bin/nproxy.sh caps glibc's malloc arenas (idle RSS) unless the environment sets its own.
        String pid = Files.readString(home.resolve("var/nproxy.pid")).trim();
        List<String> environ = List.of(Files.readString(Path.of("/proc", pid, "environ"), StandardCharsets.ISO_8859_1).split("\0"));
        String arenas = "MALLOC_ARENA_MAX=" + System.getenv().getOrDefault("MALLOC_ARENA_MAX", "2");
        assertTrue(environ.contains(arenas), "the JVM's environment has " + arenas);
        // The access log is written by its own thread, just after the response: give it a moment.
        await("the access log line").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
            .until(() -> Files.readString(home.resolve("logs/access.log")).contains("\"GET / HTTP/1.1\" 200"));
        Result again = nproxy("start");
        assertEquals(1, again.code(), "a second start refuses: " + again.out());
    }

    @Test
    @Order(4)
    void http3AnswersFromTheTarballsLinuxOnlyQuicLibrary() throws Exception {
        try (java.util.stream.Stream<Path> jars = Files.list(home.resolve("lib"))) {
            List<String> quiche = jars.map(p -> p.getFileName().toString()).filter(n -> n.contains("quiche-native")).toList();
            assertEquals(List.of("jetty-quiche-native-linux.jar"), quiche, "only the repacked native jar");
        }
        try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(home.resolve("lib/jetty-quiche-native-linux.jar").toFile())) {
            List<String> libraries = jar.stream().map(java.util.zip.ZipEntry::getName)
                .filter(n -> n.endsWith(".so") || n.endsWith(".dll") || n.endsWith(".dylib")).sorted().toList();
            assertEquals(List.of("linux-aarch64/libquiche.so", "linux-x86-64/libquiche.so"), libraries);
        }
        org.eclipse.jetty.io.ClientConnector connector = new org.eclipse.jetty.io.ClientConnector();
        org.eclipse.jetty.util.ssl.SslContextFactory.Client trustAll = new org.eclipse.jetty.util.ssl.SslContextFactory.Client(true);
        connector.setSslContextFactory(trustAll);
        org.eclipse.jetty.quic.client.ClientQuicConfiguration quic = new org.eclipse.jetty.quic.client.ClientQuicConfiguration(
            trustAll, Files.createTempDirectory("nproxy-h3-client"));
        HttpClient h3 = new HttpClient(new org.eclipse.jetty.http3.client.transport.HttpClientTransportOverHTTP3(
            new org.eclipse.jetty.http3.client.HTTP3Client(quic, connector)));
        h3.start();
        try {
            ContentResponse r = h3.newRequest("https://127.0.0.1:" + httpsPort + "/ping").timeout(20, TimeUnit.SECONDS).send();
            assertEquals(200, r.getStatus());
            assertEquals(org.eclipse.jetty.http.HttpVersion.HTTP_3, r.getVersion());
            assertEquals("pong", r.getContentAsString());
        } finally {
            h3.stop();
        }
    }

    @Test
    @Order(4)
    void theDocsTheReadmeLinksAreInTheTarball() throws Exception {
        String readme = Files.readString(home.resolve("README.md"));
        java.util.regex.Matcher links = java.util.regex.Pattern.compile("\\]\\((docs/[^)#]+)").matcher(readme);
        int n = 0;
        while (links.find()) {
            assertTrue(Files.isRegularFile(home.resolve(links.group(1))), "README links " + links.group(1));
            n++;
        }
        assertTrue(n > 0, "README links docs/");
    }

    @Test
    @Order(4)
    void reloadWithABadConfigKeepsServingThenAGoodOneApplies() throws Exception {
        Path config = home.resolve("etc/nproxy.xml");
        String original = Files.readString(config);
        Files.writeString(config, original.replace("body=\"pong\"", "body=\"pong\" delay=\"10 seconds\""));
        Result bad = nproxy("reload");
        assertEquals(1, bad.code(), bad.out());
        assertTrue(bad.out().contains("reload failed"), bad.out());
        assertTrue(bad.out().contains("nproxy.xml:") && bad.out().contains("bad duration delay=\"10 seconds\""), bad.out());
        assertEquals(200, get("/ping").getStatus(), "the old config still serves");
        assertEquals("pong", get("/ping").getContentAsString());

        Files.writeString(config, original.replace("body=\"pong\"", "body=\"pong2\""));
        Result good = nproxy("reload");
        assertEquals(0, good.code(), good.out());
        assertEquals("pong2", get("/ping").getContentAsString());
        Files.writeString(config, original);
        assertEquals(0, nproxy("reload").code());
    }

    @Test
    @Order(5)
    void exampleModuleDroppedIntoLibExtServesAfterRestart() throws Exception {
        Path jar = Path.of(System.getProperty("nproxy.example.jar"));
        assertTrue(Files.isRegularFile(jar), "example module jar " + jar);
        Files.writeString(home.resolve("etc/conf.d/echo.xml"), """
            <nproxy>
              <server names="echo.test">
                <listen host="${http.host:127.0.0.1}" port="${http.port}"/>
                <location path="/echo"><echo prefix="echoed"/></location>
                <location path="/slow"><echo prefix="slow" delay="5s"/></location>
              </server>
            </nproxy>
            """);
        Result refused = nproxy("reload");
        assertEquals(1, refused.code(), "without the jar, <echo> is unknown: " + refused.out());
        assertTrue(refused.out().contains("unknown handler <echo>"), refused.out());

        Files.copy(jar, home.resolve("lib/ext/" + jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Result restart = nproxy("restart");
        assertEquals(0, restart.code(), restart.out());
        ContentResponse echo = get("/echo?x=1", "echo.test");
        assertEquals(200, echo.getStatus());
        assertTrue(echo.getContentAsString().startsWith("echoed\nGET /echo?x=1 HTTP/1.1\n"), echo.getContentAsString());
    }

    @Test
    @Order(6)
    void stopWaitsForAFiveSecondRequest() throws Exception {
        CompletableFuture<ContentResponse> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return get("/slow", "echo.test");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1000);
        String pid = Files.readString(home.resolve("var/nproxy.pid")).trim();
        long t0 = System.nanoTime();
        Result stop = nproxy("stop");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(0, stop.code(), stop.out());
        assertTrue(stop.out().contains("1 in-flight request(s), 1 drained, 0 cut"), stop.out());
        assertTrue(millis >= 3000, "stop waited for the request: " + millis + "ms");
        ContentResponse response = slow.get(10, TimeUnit.SECONDS);
        assertEquals(200, response.getStatus());
        assertTrue(response.getContentAsString().startsWith("slow\n"), response.getContentAsString());
        // Exited; it may still be a zombie until init reaps it, which ProcessHandle counts as alive.
        assertFalse(Install.alive(Long.parseLong(pid)), "process exited");
        assertEquals(3, nproxy("status").code(), "status says not running");
    }

    @Test
    @Order(7)
    void aDuplicateModuleTypeFailsStartNamingBothJars() throws Exception {
        Path jar = Path.of(System.getProperty("nproxy.example.jar"));
        Path copy = home.resolve("lib/ext/my-echo-copy.jar");
        Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
        try {
            Result r = nproxy("start");
            assertEquals(1, r.code(), r.out());
            assertTrue(r.out().contains("is in two jars") || r.out().contains("is defined twice"), r.out());
            assertTrue(r.out().contains(jar.getFileName().toString()) && r.out().contains("my-echo-copy.jar"), r.out());
        } finally {
            Files.delete(copy);
        }
    }

    private static ContentResponse get(String path) throws Exception {
        return get(path, "localhost");
    }

    private static ContentResponse get(String path, String host) throws Exception {
        return CLIENT.newRequest("http://127.0.0.1:" + port + path)
            .headers(h -> h.put("Host", host))
            .timeout(30, TimeUnit.SECONDS)
            .send();
    }

    private static Result nproxy(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(link.toString());
        cmd.addAll(List.of(args));
        return exec(cwd, cmd, Map.of("JAVA_HOME", System.getProperty("nproxy.java.home"), "NPROXY_AOT", "off"));
    }

    private static Result exec(Path dir, List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
