package org.nproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The sample scrape configuration and alert rules of {@code docs/observability.md} are valid
 * for {@code promtool}, and the rules use the meter names MetricsScrapeIT finds in a scrape.
 */
class AlertRulesIT {
    private static final Path DOCS = Path.of("..", "..", "docs", "prometheus");

    @Test
    void promtoolAcceptsTheSampleConfigAndRules() throws Exception {
        String out = run(Scrape.promtool(), "check", "config", DOCS.resolve("prometheus.yml").toString());
        assertTrue(out.contains("SUCCESS: 6 rules found"), out);
        String rules = Files.readString(DOCS.resolve("nproxy-alerts.yml"));
        for (String name : new String[] {"nproxy_upstream_peer_up", "nproxy_upstream_peer_drained", "nproxy_requests_total",
            "nproxy_tls_certificate_expiry_timestamp_seconds", "nproxy_config_reloads_total"}) {
            assertTrue(rules.contains(name), name);
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
