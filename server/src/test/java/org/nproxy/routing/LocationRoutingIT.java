package org.nproxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.Skip;

/**
 * The golden location table on real sockets: raw request targets (encoded, dot segments,
 * ambiguous encodings) through Jetty's URI handling and the router. When nginx is installed
 * (CI installs it) the same table runs against nginx itself.
 */
class LocationRoutingIT {
    /** nginx serving the golden table's locations: %1$s its directory, %2$d its port, %3$s the locations. */
    private static final String NGINX_CONF = """
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
        """;

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
        Skip.unless(Files.isExecutable(nginx), "nginx is not installed (.ci/run installs it)");
        LocationGolden golden = LocationGolden.load();
        Path dir = Files.createTempDirectory("nginx-golden");
        // nginx cannot tell which port a "listen 127.0.0.1:0" got: pick a free one, and pick again
        // when another process takes it first (nginx then exits: address in use).
        int port = 0;
        Process p = null;
        for (int attempt = 1; p == null; attempt++) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Files.writeString(dir.resolve("nginx.conf"), NGINX_CONF.formatted(dir, port, golden.nginxLocations()),
                StandardCharsets.UTF_8);
            Process started = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c",
                dir.resolve("nginx.conf").toString()).redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile())
                .start();
            if (waitForPort(port, started) || attempt == 3) {
                p = started;
            }
        }
        try {
            assertTrue(p.isAlive(), "nginx exited: " + Files.readString(dir.resolve("out.log")));
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

    /** True once nginx accepts on the port; false when it exited instead (e.g. the port was taken). */
    private static boolean waitForPort(int port, Process p) {
        return Awaitility.await("nginx listening on " + port).atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(20)).until(() -> {
                if (!p.isAlive()) {
                    return false;
                }
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    return true;
                } catch (IOException e) {
                    return null;
                }
            }, ok -> ok != null);
    }
}
