package org.nproxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * The golden location table on real sockets: raw request targets (encoded, dot segments,
 * ambiguous encodings) through Jetty's URI handling and the router. When nginx is installed
 * (CI installs it) the same table runs against nginx itself.
 */
class LocationRoutingTest {
    @Test
    void goldenTableOverHttp() throws Exception {
        LocationGolden golden = LocationGolden.load();
        assertTrue(golden.cases.size() >= 25, "golden table has at least 25 cases");
        try (NproxyFixture nproxy = NproxyFixture.start(golden.nproxyConfig())) {
            List<String> failures = new ArrayList<>();
            for (LocationGolden.Case c : golden.cases) {
                String got = answer(nproxy.port(), c.target(), golden);
                if (!got.equals(c.expected())) {
                    failures.add(c.target() + " -> " + got + " (expected " + c.expected() + ")");
                }
            }
            assertEquals(List.of(), failures);
        }
    }

    @Test
    void nginxAgreesWithTheGoldenTable() throws Exception {
        Path nginx = Path.of("/usr/sbin/nginx");
        assumeTrue(Files.isExecutable(nginx), "nginx is not installed (.ci/run installs it)");
        LocationGolden golden = LocationGolden.load();
        Path dir = Files.createTempDirectory("nginx-golden");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("nginx.conf"), """
            daemon off;
            worker_processes 1;
            pid %1$s/nginx.pid;
            error_log %1$s/error.log;
            events { worker_connections 64; }
            http {
              access_log off;
              client_body_temp_path %1$s; proxy_temp_path %1$s; fastcgi_temp_path %1$s;
              uwsgi_temp_path %1$s; scgi_temp_path %1$s;
              server {
                listen 127.0.0.1:%2$d;
            %3$s  }
            }
            """.formatted(dir, port, golden.nginxLocations()), StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
        try {
            waitForPort(port, p, dir);
            List<String> failures = new ArrayList<>();
            for (LocationGolden.Case c : golden.cases) {
                String got = answer(port, c.target(), golden);
                if (!got.equals(c.nginxExpected())) {
                    failures.add(c.target() + " -> nginx " + got + " (table says " + c.nginxExpected() + ")");
                }
            }
            assertEquals(List.of(), failures);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String answer(int port, String target, LocationGolden golden) throws IOException {
        String response = Http.get(port, target, "localhost");
        int status = Http.status(response);
        return status == 200 ? golden.locationOf(Http.body(response)) : Integer.toString(status);
    }

    private static void waitForPort(int port, Process p, Path dir) throws Exception {
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("out.log")));
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nginx did not listen on " + port);
    }
}
