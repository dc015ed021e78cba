package org.nproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.TestCerts;
import org.eclipse.jetty.util.ajax.JSON;

/**
 * {@code etc/grafana/nproxy-dashboard.json} against a real scrape: every PromQL expression of its
 * panels, variables and annotations names only metrics that an Nproxy with metrics, proxy, cache,
 * websocket and a TLS listener exposes, and groups or filters only by labels those metrics carry;
 * and the dashboard covers what operators look for (request rate, 5xx ratio, latency quantiles,
 * peers, pools, cache hit ratio, tunnels, reloads, certificate expiry).
 */
class GrafanaDashboardIT {
    private static final Pattern METRIC = Pattern.compile("\\b((?:nproxy|jvm|process|system)_[a-z0-9_]+)\\b");
    /** Labels Prometheus adds at scrape time, and the histogram bucket bound. */
    private static final Set<String> ADDED_LABELS = Set.of("instance", "job", "le");

    @TempDir
    Path dir;

    @Test
    void everyExpressionNamesExposedMetricsAndLabels() throws Exception {
        Path file = Path.of(System.getProperty("user.dir")).resolve("../../etc/grafana/nproxy-dashboard.json").normalize();
        @SuppressWarnings("unchecked")
        Map<String, Object> dashboard = (Map<String, Object>) new JSON().fromJSON(Files.readString(file));
        List<String> exprs = expressions(dashboard);
        assertTrue(exprs.size() > 20, "expressions: " + exprs.size());

        Map<String, Set<String>> exposed = scrape();
        Set<String> used = new TreeSet<>();
        for (String expr : exprs) {
            Set<String> metrics = metrics(expr);
            assertFalse(metrics.isEmpty(), "no Nproxy metric in: " + expr);
            Set<String> labels = new HashSet<>();
            for (String m : metrics) {
                assertTrue(exposed.containsKey(m), m + " is not exposed (used in: " + expr + ")");
                labels.addAll(exposed.get(m));
            }
            for (String label : labels(expr)) {
                assertTrue(ADDED_LABELS.contains(label) || labels.contains(label),
                    "label '" + label + "' is on none of " + metrics + " (in: " + expr + ")");
            }
            used.addAll(metrics);
        }
        for (String needed : List.of("nproxy_requests_total", "nproxy_request_duration_seconds_bucket",
            "nproxy_upstream_peer_up", "nproxy_upstream_pool_connections", "nproxy_cache_requests_total",
            "nproxy_websocket_tunnels", "nproxy_config_reloads_total", "nproxy_tls_certificate_expiry_timestamp_seconds",
            "nproxy_connections", "nproxy_upstream_response_duration_seconds_bucket")) {
            assertTrue(used.contains(needed), "the dashboard shows " + needed);
        }
        assertTrue(exprs.stream().anyMatch(e -> e.contains("histogram_quantile(0.99")), "latency quantiles");
        assertTrue(exprs.stream().anyMatch(e -> e.contains("code=~\"5..\"") && e.contains(" / ")), "5xx ratio");
        assertTrue(exprs.stream().anyMatch(e -> e.contains("status=\"hit\"") && e.contains(" / ")), "cache hit ratio");
        assertEquals("nproxy-overview", dashboard.get("uid"));
    }

    /** The metric names in a PromQL expression (string literals and label matchers left out). */
    static Set<String> metrics(String expr) {
        String bare = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"").replaceAll("\\{[^}]*}", "");
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(bare);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Label names in {@code by (...)}, {@code without (...)} and in {@code {name=...}} matchers. */
    static Set<String> labels(String expr) {
        Set<String> labels = new TreeSet<>();
        Matcher by = Pattern.compile("\\b(?:by|without|on|ignoring)\\s*\\(([^)]*)\\)").matcher(expr);
        while (by.find()) {
            for (String l : by.group(1).split(",")) {
                if (!l.isBlank()) {
                    labels.add(l.trim());
                }
            }
        }
        Matcher braces = Pattern.compile("\\{([^}]*)}").matcher(expr.replaceAll("\\{\\{[^}]*}}", ""));
        while (braces.find()) {
            Matcher matcher = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)\\s*\"").matcher(braces.group(1));
            while (matcher.find()) {
                labels.add(matcher.group(1));
            }
        }
        labels.remove("");
        return labels;
    }

    @SuppressWarnings("unchecked")
    private static List<String> expressions(Map<String, Object> dashboard) {
        List<String> out = new ArrayList<>();
        for (Object p : list(dashboard.get("panels"))) {
            Map<String, Object> panel = (Map<String, Object>) p;
            for (Object t : list(panel.get("targets"))) {
                out.add((String) ((Map<String, Object>) t).get("expr"));
            }
        }
        for (Object v : list(((Map<String, Object>) dashboard.get("templating")).get("list"))) {
            Object q = ((Map<String, Object>) v).get("query");
            if (q instanceof Map<?, ?> query) {
                out.add((String) query.get("query"));
            }
        }
        for (Object a : list(((Map<String, Object>) dashboard.get("annotations")).get("list"))) {
            Object e = ((Map<String, Object>) a).get("expr");
            if (e != null) {
                out.add((String) e);
            }
        }
        return out;
    }

    /** A JSON array as Jetty's parser returns it (Object[]), or an empty one. */
    private static List<Object> list(Object array) {
        return array == null ? List.of() : List.of((Object[]) array);
    }

    /** Metric name → label names, from a scrape of an Nproxy with every metered module, after traffic. */
    private Map<String, Set<String>> scrape() throws Exception {
        TestCerts certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("a.test", "rsa");
        int dead = MetricsScrapeIT.deadPort();
        int clear = NproxyFixture.freePort();
        try (TestOrigin origin = new TestOrigin();
             NproxyFixture nproxy = NproxyFixture.start(dir.resolve("base"), """
                 <nproxy>
                   <cache-zone name="pages" heap="4m" off-heap="8m" disk="16m" dir="var/cache/pages" max-object="1m"/>
                   <upstream name="app"><peer address="%s"/></upstream>
                   <upstream name="gone"><peer address="127.0.0.1:%d" max-fails="0"/></upstream>
                   <server names="shop.test" default="true">
                     <listen host="127.0.0.1" port="%d"/>
                     <listen host="127.0.0.1" port="0" tls="true" protocols="h2 http/1.1"/>
                     <tls cert="%s/a.test.crt" key="%s/a.test.key"/>
                     <location path="= /metrics"><metrics/></location>
                     <location path="/ws/"><websocket upstream="app"/></location>
                     <location path="/cached/"><cache zone="pages"/><proxy upstream="app"/></location>
                     <location path="/gone/"><proxy upstream="gone"/></location>
                     <location path="/"><proxy upstream="app"/></location>
                   </server>
                 </nproxy>""".formatted(origin.address(), dead, clear, certs.dir(), certs.dir()))) {
            Http.get(clear, "/x", "shop.test");
            Http.get(clear, "/err", "shop.test");
            Http.get(clear, "/cached/a", "shop.test");
            Http.get(clear, "/cached/a", "shop.test");
            Http.get(clear, "/gone/a", "shop.test");
            Thread.sleep(200); // a request is counted just after its response is sent
            String s = Http.body(MetricsScrapeIT.scrape(clear, null));
            Map<String, Set<String>> exposed = new HashMap<>();
            Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
            for (String line : s.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int end = line.indexOf('{');
                int space = line.indexOf(' ');
                String name = line.substring(0, end < 0 || (space >= 0 && space < end) ? space : end);
                Set<String> labels = exposed.computeIfAbsent(name, n -> new HashSet<>());
                if (end >= 0 && (space < 0 || end < space)) {
                    Matcher m = label.matcher(line.substring(end, line.lastIndexOf('}')));
                    while (m.find()) {
                        labels.add(m.group(1));
                    }
                }
            }
            return exposed;
        }
    }
}
