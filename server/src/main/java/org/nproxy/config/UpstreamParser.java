package org.nproxy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code <upstream>}, {@code <peer>} and {@code <health-check>} elements. */
final class UpstreamParser {
    private static final Pattern ADDRESS = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]+):(\\d{1,5})");
    private static final Pattern STATUS = Pattern.compile("\\d{3}(-\\d{3})?(,\\d{3}(-\\d{3})?)*");

    private UpstreamParser() {
    }

    static UpstreamConfig parse(ConfigElement u) {
        String name = u.required("name");
        String balance = u.oneOf("balance", "round_robin", UpstreamConfig.BALANCERS);
        String hashKey = u.string("hash-key", null);
        if (balance.equals("hash") && (hashKey == null || hashKey.isBlank())) {
            u.error("balance=\"hash\" needs a key", "hash-key=\"$http_x_user\" (or $cookie_NAME, $request_uri, $remote_addr)");
        }
        List<PeerConfig> peers = new ArrayList<>();
        for (ConfigElement p : u.children("peer")) {
            peers.add(peer(p));
        }
        if (peers.isEmpty()) {
            u.error("upstream '" + name + "' has no <peer>", "<peer address=\"127.0.0.1:9001\"/>");
        }
        List<ConfigElement> checks = u.children("health-check");
        HealthCheckConfig check = null;
        if (checks.size() > 1) {
            checks.get(1).error("more than one <health-check> in upstream '" + name + "'", "a single <health-check>");
        }
        if (!checks.isEmpty()) {
            check = healthCheck(checks.get(0));
        }
        PoolConfig d = PoolConfig.DEFAULTS;
        PoolConfig pool = new PoolConfig(
            u.integer("keepalive", d.keepalive(), 1, 100_000),
            u.duration("keepalive-timeout", d.keepaliveTimeout()),
            u.integer("keepalive-requests", d.keepaliveRequests(), 0, Integer.MAX_VALUE),
            u.duration("connect-timeout", d.connectTimeout()));
        Duration resolve = u.duration("resolve", Duration.ZERO);
        if (!resolve.isZero() && resolve.toMillis() < 100) {
            u.attributeError("resolve", "resolve=\"" + u.string("resolve", "") + "\" would query the resolver without pause",
                "a duration of at least 100ms, or 0 to resolve on each new connection");
        }
        return new UpstreamConfig(name, balance, hashKey, peers, check, u, u.origin(), pool, resolve);
    }

    private static PeerConfig peer(ConfigElement p) {
        String address = p.required("address").trim();
        String host = "";
        int port = 0;
        Matcher m = ADDRESS.matcher(address);
        if (!address.isEmpty()) {
            if (m.matches() && Integer.parseInt(m.group(2)) > 0 && Integer.parseInt(m.group(2)) < 65536) {
                host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
                port = Integer.parseInt(m.group(2));
            } else {
                p.attributeError("address", "bad peer address '" + address + "'",
                    "host:port such as 127.0.0.1:9001, [::1]:9001 or app.internal:80");
            }
        }
        return new PeerConfig(address, host, port,
            p.integer("weight", 1, 1, 1000),
            p.integer("max-fails", 1, 0, 1000),
            p.duration("fail-timeout", Duration.ofSeconds(10)),
            p.integer("max-conns", 0, 0, 1_000_000),
            p.bool("backup", false),
            p.bool("down", false),
            p.origin());
    }

    private static HealthCheckConfig healthCheck(ConfigElement h) {
        String type = h.oneOf("type", "http", List.of("http", "tcp"));
        String status = h.string("status", "200-399").replace(" ", "");
        if (!STATUS.matcher(status).matches()) {
            h.attributeError("status", "bad status list '" + status + "'", "codes and ranges such as 200-399 or 200,204");
        }
        Duration interval = h.duration("interval", Duration.ofSeconds(5));
        Duration timeout = h.duration("timeout", Duration.ofSeconds(2));
        if (interval.isZero()) {
            h.attributeError("interval", "interval=\"0\" would probe without pause", "a duration of at least 100ms");
        }
        String path = h.string("path", "/");
        if (!path.startsWith("/")) {
            h.attributeError("path", "health-check path '" + path + "' does not start with '/'", "a path such as /healthz");
        }
        return new HealthCheckConfig(type, h.string("method", "GET"), path, h.string("host", null), status,
            h.string("body", null), interval, timeout, h.integer("rise", 2, 1, 100), h.integer("fall", 3, 1, 100),
            h.duration("slow-start", Duration.ZERO), h.origin());
    }
}
