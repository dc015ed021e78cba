package org.nproxy.upstream;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.nproxy.upstream.balance.BalancerFactory;

/**
 * An {@code <upstream>} group as configured: named peers behind one balancer, with optional
 * active health checks. A value (no positions), so that a reload with the same group keeps its
 * runtime part ({@link UpstreamGroup}: pools, peer health).
 *
 * @param name        referenced by {@code <proxy upstream="..."/>}
 * @param balance     a balancer name ({@link org.nproxy.upstream.balance.BalancerFactory}); default {@code round_robin}
 * @param hashKey     for {@code balance="hash"}: the key expression, e.g. {@code $http_x_user}
 * @param peers       at least one
 * @param healthCheck null when active checks are off
 * @param pool        keep-alive pool and connect settings ({@code keepalive}, {@code keepalive-timeout},
 *                    {@code keepalive-requests}, {@code connect-timeout})
 * @param resolve     how often peer host names are looked up again ({@code resolve}); default 0 = not
 *                    on a timer, each new connection resolves the name
 * @param balancerClass the implementation {@code balance} named when the element was bound: part
 *                    of the group's identity, so that a balancer jar replaced in {@code lib/ext/}
 *                    gets a new runtime (and the old jar's classes can go); null when unresolved
 */
public record UpstreamConfig(String name, String balance, String hashKey, List<PeerConfig> peers,
                             HealthCheckConfig healthCheck, PoolConfig pool, Duration resolve,
                             Class<? extends BalancerFactory> balancerClass) {
    public UpstreamConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(balance, "balance");
        peers = List.copyOf(peers);
        pool = pool == null ? PoolConfig.DEFAULTS : pool;
        resolve = resolve == null ? Duration.ZERO : resolve;
    }
}
