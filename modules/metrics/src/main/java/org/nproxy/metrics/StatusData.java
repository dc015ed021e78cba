package org.nproxy.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.nproxy.upstream.PeerConfig;
import org.nproxy.upstream.PeerState;
import org.nproxy.upstream.PoolStats;
import org.nproxy.upstream.UpstreamGroup;

/**
 * What the status page shows, as one JSON-ready map: the generation, listeners with their open
 * connections, request totals per virtual host and location by status code (the page turns
 * successive totals into rates), and each upstream group's peers with health, drain, in-flight
 * requests and pool use. Read from the server's meters and from the groups themselves.
 */
final class StatusData {
    private StatusData() {
    }

    static Map<String, Object> collect(MeterRegistry registry, Map<String, UpstreamGroup> groups) {
        Map<String, Object> out = new LinkedHashMap<>();
        Gauge generation = registry.find("nproxy.config.generation").gauge();
        out.put("generation", generation == null ? 0 : (long) generation.value());
        out.put("time", System.currentTimeMillis());
        out.put("listeners", listeners(registry));
        out.put("locations", locations(registry));
        List<Object> upstreams = new ArrayList<>();
        groups.forEach((name, group) -> upstreams.add(upstream(name, group)));
        out.put("upstreams", upstreams);
        return out;
    }

    private static List<Object> listeners(MeterRegistry registry) {
        Map<String, Map<String, Object>> byListener = new TreeMap<>();
        for (Gauge g : registry.find("nproxy.connections").gauges()) {
            byListener.computeIfAbsent(g.getId().getTag("listener"), k -> new TreeMap<>())
                .put(g.getId().getTag("protocol"), (long) g.value());
        }
        List<Object> out = new ArrayList<>();
        byListener.forEach((name, connections) -> out.add(Map.of("listener", name, "connections", connections)));
        return out;
    }

    private static List<Object> locations(MeterRegistry registry) {
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        for (Counter c : registry.find("nproxy.requests").counters()) {
            String server = c.getId().getTag("server");
            String location = c.getId().getTag("location");
            Map<String, Object> row = rows.computeIfAbsent(server + " " + location, k -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("server", server);
                r.put("location", location);
                r.put("codes", new TreeMap<String, Object>());
                r.put("total", 0L);
                return r;
            });
            @SuppressWarnings("unchecked")
            Map<String, Object> codes = (Map<String, Object>) row.get("codes");
            codes.put(c.getId().getTag("code"), (long) c.count());
            row.put("total", (long) row.get("total") + (long) c.count());
        }
        return new ArrayList<>(rows.values());
    }

    private static Map<String, Object> upstream(String name, UpstreamGroup group) {
        Map<String, PoolStats> pools = group.poolStats();
        long now = System.nanoTime();
        List<Object> peers = new ArrayList<>();
        for (int i = 0; i < group.states().size(); i++) {
            PeerConfig p = group.config().peers().get(i);
            PeerState s = group.states().get(i);
            PoolStats pool = pools.getOrDefault(s.connectHost(p.host()) + ":" + p.port(),
                new PoolStats(0, 0, 0, group.config().pool().keepalive()));
            Map<String, Object> peer = new LinkedHashMap<>();
            peer.put("peer", p.address());
            peer.put("state", state(p, s, now));
            peer.put("drained", s.drained());
            peer.put("backup", p.backup());
            peer.put("inFlight", s.inFlight());
            peer.put("requests", s.requests());
            peer.put("failures", s.failures());
            peer.put("pool", Map.of("open", pool.open(), "idle", pool.idle(), "inUse", pool.inUse(), "max", pool.max()));
            peers.add(peer);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("upstream", name);
        out.put("balance", group.config().balance());
        out.put("peers", peers);
        return out;
    }

    /** up, down (health checks), failed (passive max-fails ban), off (configured down), drained. */
    static String state(PeerConfig p, PeerState s, long now) {
        if (p.down()) {
            return "off";
        }
        if (s.activeDown()) {
            return "down";
        }
        if (!s.healthy(now)) {
            return "failed";
        }
        return s.drained() ? "drained" : "up";
    }
}
