package org.nproxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * An {@code <upstream>} group: named peers behind one balancer, with optional active health
 * checks. The proxy module gives it life; the core only parses and validates it.
 *
 * @param name        referenced by {@code <proxy upstream="..."/>}
 * @param balance     one of {@link #BALANCERS}; default {@code round_robin}
 * @param hashKey     for {@code balance="hash"}: the key expression, e.g. {@code $http_x_user}
 * @param peers       at least one
 * @param healthCheck null when active checks are off
 * @param element     the raw element, for modules that add attributes of their own
 * @param pool        keep-alive pool and connect settings ({@code keepalive}, {@code keepalive-timeout},
 *                    {@code keepalive-requests}, {@code connect-timeout})
 * @param resolve     how often peer host names are looked up again ({@code resolve}); default 0 = not
 *                    on a timer, each new connection resolves the name
 */
public record UpstreamConfig(String name, String balance, String hashKey, List<PeerConfig> peers,
                             HealthCheckConfig healthCheck, ConfigElement element, Origin origin,
                             PoolConfig pool, Duration resolve) {
    /** Balancer names: fixed, operators' configurations and the docs rely on them. */
    public static final List<String> BALANCERS =
        List.of("round_robin", "least_conn", "ip_hash", "hash", "random_two", "ewma");

    public UpstreamConfig {
        Objects.requireNonNull(name, "name");
        peers = List.copyOf(peers);
        pool = pool == null ? PoolConfig.DEFAULTS : pool;
        resolve = resolve == null ? Duration.ZERO : resolve;
    }

    /** Without re-resolution. */
    public UpstreamConfig(String name, String balance, String hashKey, List<PeerConfig> peers,
                          HealthCheckConfig healthCheck, ConfigElement element, Origin origin, PoolConfig pool) {
        this(name, balance, hashKey, peers, healthCheck, element, origin, pool, Duration.ZERO);
    }

    /** Without pool settings (the defaults apply) and without re-resolution. */
    public UpstreamConfig(String name, String balance, String hashKey, List<PeerConfig> peers,
                          HealthCheckConfig healthCheck, ConfigElement element, Origin origin) {
        this(name, balance, hashKey, peers, healthCheck, element, origin, PoolConfig.DEFAULTS, Duration.ZERO);
    }
}
