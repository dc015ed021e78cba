package org.nproxy.upstream;

import java.time.Duration;

/**
 * Connection settings of an upstream group (attributes of {@code <upstream>}), applied by the
 * proxy module to its keep-alive pool of each peer.
 *
 * @param keepalive         connections per peer the pool may hold open (idle or in use); default 128
 * @param keepaliveTimeout  an idle pooled connection is closed after this; default 60s
 * @param keepaliveRequests requests per connection before it is retired; default 1000, 0 = no limit
 * @param connectTimeout    a TCP connect that takes longer fails (counts as a peer failure); default 5s
 */
public record PoolConfig(int keepalive, Duration keepaliveTimeout, int keepaliveRequests, Duration connectTimeout) {
    /** The defaults, for code that builds an {@link UpstreamConfig} by hand. */
    public static final PoolConfig DEFAULTS = new PoolConfig(128, Duration.ofSeconds(60), 1000, Duration.ofSeconds(5));
}
