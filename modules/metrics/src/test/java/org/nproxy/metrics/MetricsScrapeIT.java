package org.nproxy.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * {@code <metrics/>} after known traffic: counts per label for the core's request meters, the
 * upstream meters registered by the upstream library and fed by the proxy, listener and config
 * meters, JVM meters; every nproxy family has its HELP; the exposition passes
 * {@code promtool check metrics}; OpenMetrics when asked.
 */
class MetricsScrapeIT {
    static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String config(TestOrigin origin, int dead) {
        return """
            <nproxy>
              <upstream name="app"><peer address="%s"/></upstream>
              <upstream name="gone"><peer address="127.0.0.1:%d" max-fails="0"/></upstream>
              <server names="shop.test"><listen host="127.0.0.1" port="0"/>
                <location path="/app/"><proxy upstream="app"/></location>
                <location path="/gone/"><proxy upstream="gone"/></location>
                <location path="= /metrics"><metrics/></location>
                <location path="/"><return status="404"/></location>
              </server>
            </nproxy>""".formatted(origin.address(), dead);
    }

    static String scrape(int port, String accept) throws Exception {
        String raw = Http.exchange(port, "GET /metrics HTTP/1.1\r\nHost: shop.test\r\n"
            + (accept == null ? "" : "Accept: " + accept + "\r\n") + "Connection: close\r\n\r\n");
        assertEquals(200, Http.status(raw), raw);
        return raw;
    }

    @Test
    void countsPerLabelAfterKnownTraffic() throws Exception {
        int dead = deadPort();
        try (TestOrigin origin = new TestOrigin();
             NproxyFixture nproxy = NproxyFixture.start(config(origin, dead))) {
            int port = nproxy.port();
            for (int i = 0; i < 3; i++) {
                assertEquals(200, Http.status(Http.get(port, "/app/ok", "shop.test")));
            }
            assertEquals(500, Http.status(Http.get(port, "/app/err", "shop.test")));
            assertEquals(502, Http.status(Http.get(port, "/gone/x", "shop.test")));
            assertEquals(404, Http.status(Http.get(port, "/nothing", "shop.test")));
            // A request is counted just after its response is sent: wait for the last one.
            await("the 404 is counted").atMost(Duration.ofSeconds(5)).until(() ->
                Scrape.value(Http.body(scrape(port, null)), "nproxy_requests_total", "location", "/", "code", "404") == 1.0);

            String raw = scrape(port, null);
            assertTrue(raw.contains("Content-Type: text/plain; version=0.0.4"), raw.substring(0, 300));
            String s = Http.body(raw);
            String[] app = {"server", "shop.test", "location", "/app/"};
            assertEquals(3.0, Scrape.value(s, "nproxy_requests_total", cat(app, "code", "200")), s);
            assertEquals(1.0, Scrape.value(s, "nproxy_requests_total", cat(app, "code", "500")));
            assertEquals(1.0, Scrape.value(s, "nproxy_requests_total", "location", "/gone/", "code", "502"));
            assertEquals(1.0, Scrape.value(s, "nproxy_requests_total", "location", "/", "code", "404"));
            assertEquals(4.0, Scrape.value(s, "nproxy_request_duration_seconds_count", app));
            assertEquals(4.0, Scrape.value(s, "nproxy_request_duration_seconds_bucket", cat(app, "le", "+Inf")));

            String[] peer = {"upstream", "app", "peer", origin.address()};
            assertEquals(3.0, Scrape.value(s, "nproxy_upstream_requests_total", cat(peer, "code", "200")));
            assertEquals(1.0, Scrape.value(s, "nproxy_upstream_requests_total", cat(peer, "code", "500")));
            assertEquals(4.0, Scrape.value(s, "nproxy_upstream_response_duration_seconds_count", peer));
            assertEquals(1.0, Scrape.value(s, "nproxy_upstream_peer_up", peer));
            assertEquals(0.0, Scrape.value(s, "nproxy_upstream_peer_in_flight", peer));
            double open = Scrape.value(s, "nproxy_upstream_pool_connections", cat(peer, "state", "open"));
            assertTrue(open >= 1.0 && open == Scrape.value(s, "nproxy_upstream_pool_connections", cat(peer, "state", "idle")),
                "keep-alive connections stay open and idle: " + open);
            assertEquals(0.0, Scrape.value(s, "nproxy_upstream_pool_connections", cat(peer, "state", "in_use")));
            String[] gone = {"upstream", "gone", "peer", "127.0.0.1:" + dead};
            assertEquals(1.0, Scrape.value(s, "nproxy_upstream_requests_total", cat(gone, "code", "502")));
            assertEquals(1.0, Scrape.value(s, "nproxy_upstream_failures_total", cat(gone, "reason", "connect")));
            assertEquals(0.0, Scrape.value(s, "nproxy_upstream_retries_total", "upstream", "gone"));

            String listener = "127.0.0.1:0";
            assertTrue(Scrape.value(s, "nproxy_connections", "protocol", "http/1.1") >= 1.0, s);
            assertEquals(1.0, Scrape.value(s, "nproxy_config_generation"));
            assertEquals(0.0, Scrape.value(s, "nproxy_config_reloads_total", "result", "ok"));
            assertTrue(Scrape.value(s, "jvm_memory_used_bytes") >= 0, "JVM binders");
            for (String family : new String[] {"nproxy_requests_total", "nproxy_request_duration_seconds",
                "nproxy_upstream_requests_total", "nproxy_upstream_peer_up", "nproxy_connections", "nproxy_config_generation"}) {
                String base = family.replace("_total", "");
                assertTrue(s.contains("# HELP " + base + " ") || s.contains("# HELP " + family + " "), "HELP of " + family);
            }
            assertTrue(!s.contains("/nothing") && !s.contains("/app/ok"), "no raw paths in labels");
            Scrape.check(s);

            String om = scrape(port, "application/openmetrics-text; version=1.0.0");
            assertTrue(om.contains("Content-Type: application/openmetrics-text"), om.substring(0, 300));
            assertTrue(Http.body(om).trim().endsWith("# EOF"));
        }
    }

    static String[] cat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
