package org.nproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The layers, checked on the sources: the core ({@code server/}) knows no feature module and no
 * upstream type, {@code spi} does not reach into {@code config}, and no code imports a Jetty
 * {@code internal} package (they change without notice between Jetty releases).
 * No exception: the HTTP/1.1 defences of {@code server/internal/http1} sit on a delegating
 * endpoint and a request customizer, both public Jetty API.
 */
class LayeringTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theCoreImportsNothingFromModules() throws IOException {
        List<String> found = grep(ROOT.resolve("server/src/main/java"),
            Pattern.compile("^import (static )?org\\.nproxy\\.(proxy|upstream|files|websocket|example|cache|metrics)\\b"));
        assertEquals(List.of(), found);
    }

    @Test
    void theCoreHasNoUpstreamOrPeerClass() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT.resolve("server/src/main/java"))) {
            List<String> named = files.map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith("Upstream") || n.startsWith("Peer")).toList();
            assertEquals(List.of(), named);
        }
    }

    @Test
    void theSpiDoesNotDependOnTheConfigModel() throws IOException {
        assertEquals(List.of(), grep(ROOT.resolve("server/src/main/java/org/nproxy/spi"),
            Pattern.compile("^import (static )?org\\.nproxy\\.(config|server)\\b")));
    }

    @Test
    void noJettyInternalImportsAnywhere() throws IOException {
        List<String> found = new ArrayList<>();
        for (String dir : List.of("server", "modules", "distribution", "bench")) {
            Path d = ROOT.resolve(dir);
            if (Files.isDirectory(d)) {
                found.addAll(grep(d, Pattern.compile("^import (static )?org\\.eclipse\\.jetty\\.[\\w.]*\\.internal\\.")));
            }
        }
        assertEquals(List.of(), found);
        assertTrue(Files.isDirectory(ROOT.resolve("modules")), "run from the server module: " + ROOT);
    }

    /**
     * Tests in layers: a {@code *Test} is a unit test (pure logic, files at most) that surefire runs
     * before packaging; a test class that starts a server, opens a socket or runs a process is an
     * integration test, {@code *IT}, run by failsafe after packaging.
     */
    @Test
    void testsThatStartServersOrProcessesAreIntegrationTests() throws IOException {
        Pattern network = Pattern.compile("NproxyFixture|new Server\\(|new Socket\\(|SocketChannel|HttpClient|ProcessBuilder"
            + "|\\bRig\\.start|CacheRig|new Origin\\(|CountingOrigin|WsClient|H2Wire|ServerSocket|NproxyServer\\("
            + "|HTTP2Client|HTTP3Client|ChromeDriver");
        List<String> misnamed = new ArrayList<>();
        for (String dir : List.of("server", "modules", "distribution")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(dir))) {
                for (Path f : files.filter(p -> p.toString().contains("/src/test/") && p.toString().endsWith("Test.java")
                    && !p.toString().contains("/target/")).toList()) {
                    if (!f.getFileName().toString().equals("LayeringTest.java") && network.matcher(Files.readString(f)).find()) {
                        misnamed.add(ROOT.relativize(f).toString());
                    }
                }
            }
        }
        assertEquals(List.of(), misnamed, "these start servers, sockets or processes: name them *IT");
    }

    private static List<String> grep(Path dir, Pattern pattern) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/target/")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    if (pattern.matcher(lines.get(i)).find()) {
                        out.add(ROOT.relativize(f) + ":" + (i + 1) + ": " + lines.get(i));
                    }
                }
            }
        }
        return out;
    }
}
