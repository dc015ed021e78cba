package org.nproxy.upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.ResourceContext;
import org.nproxy.upstream.balance.BalancerFactory;

/**
 * The {@code <upstream>} element: binds it (with its {@code <peer>}s and {@code <health-check>})
 * to an {@link UpstreamConfig}, and opens its {@link UpstreamGroup} for the generations that use
 * it.
 *
 * <pre>{@code
 * <upstream name="app" balance="least_conn" keepalive="64">
 *   <peer address="127.0.0.1:9001" weight="3"/>
 *   <peer address="127.0.0.1:9002" max-fails="3" fail-timeout="10s"/>
 *   <health-check type="http" path="/healthz" interval="2s"/>
 * </upstream>
 * }</pre>
 */
public final class UpstreamElementFactory implements ElementFactory<UpstreamConfig> {
    /** The element name, and the type handlers name in {@code BindContext#reference}. */
    public static final String TYPE = "upstream";
    private static final Pattern ADDRESS = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]+):(\\d{1,5})");
    private static final Pattern STATUS = Pattern.compile("\\d{3}(-\\d{3})?(,\\d{3}(-\\d{3})?)*");

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String example(String name) {
        return "an <upstream name=\"" + name + "\"> with at least one <peer>";
    }

    @Override
    public UpstreamGroup open(String name, UpstreamConfig settings, ResourceContext context) {
        BalancerFactory balancer = balancers(context.services(BalancerFactory.class)).get(settings.balance());
        if (balancer == null || balancer.getClass() != settings.balancerClass()) {
            throw new IllegalStateException("balancer '" + settings.balance() + "' of upstream '" + name
                + "' is no longer installed; the configuration check should have rejected it");
        }
        UpstreamGroup group = UpstreamGroup.open(settings, balancer, context.server().getByteBufferPool());
        try {
            return group.withMeters(context.meters());
        } catch (RuntimeException | Error e) {
            group.close();
            throw e;
        }
    }

    /** Balancer factories by name; a name offered twice is an error naming both classes. */
    static Map<String, BalancerFactory> balancers(List<BalancerFactory> found) {
        Map<String, BalancerFactory> byName = new LinkedHashMap<>();
        for (BalancerFactory f : found) {
            BalancerFactory previous = byName.putIfAbsent(f.name(), f);
            if (previous != null && previous.getClass() != f.getClass()) {
                throw new IllegalStateException("balancer '" + f.name() + "' is defined twice: by "
                    + previous.getClass().getName() + " and by " + f.getClass().getName() + "; remove one of the jars");
            }
        }
        return byName;
    }

    /** The built-in balancers in the order the docs list them, then the others by name. */
    private static List<String> names(Map<String, BalancerFactory> balancers) {
        List<String> builtin = List.of("round_robin", "least_conn", "ip_hash", "hash", "random_two", "ewma");
        return balancers.keySet().stream()
            .sorted(java.util.Comparator.<String>comparingInt(n -> builtin.contains(n) ? builtin.indexOf(n) : builtin.size())
                .thenComparing(java.util.Comparator.naturalOrder()))
            .toList();
    }

    @Override
    public UpstreamConfig bind(ConfigElement u, BindContext context) {
        String name = u.string("name", "");
        Map<String, BalancerFactory> balancers;
        try {
            balancers = balancers(context.services(BalancerFactory.class));
        } catch (IllegalStateException e) {
            u.attributeError("balance", e.getMessage(), "a single jar per balancer");
            balancers = Map.of();
        }
        String balance = u.oneOf("balance", "round_robin", names(balancers));
        String hashKey = u.string("hash-key", null);
        BalancerFactory chosen = balancers.get(balance);
        if (chosen != null && chosen.needsKey() && (hashKey == null || hashKey.isBlank())) {
            u.error("balance=\"" + balance + "\" needs a key", "hash-key=\"$http_x_user\" (or $cookie_NAME, $request_uri, $remote_addr)");
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
            u.duration("connect-timeout", d.connectTimeout()),
            (int) Math.min(Integer.MAX_VALUE / 2, u.size("max-header-size",
                PoolConfig.headerSizeFor(context.settings().maxHeaderSize()))));
        Duration resolve = u.duration("resolve", Duration.ZERO);
        if (!resolve.isZero() && resolve.toMillis() < 100) {
            u.attributeError("resolve", "resolve=\"" + u.string("resolve", "") + "\" would query the resolver without pause",
                "a duration of at least 100ms, or 0 to resolve on each new connection");
        }
        return new UpstreamConfig(name, balance, hashKey, peers, check, pool, resolve,
            chosen == null ? null : chosen.getClass());
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
            p.bool("down", false));
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
            h.duration("slow-start", Duration.ZERO));
    }
}
