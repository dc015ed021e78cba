package org.nproxy.cache;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.nproxy.cache.policy.PolicyOptions;

/**
 * A bound {@code <cache>} handler.
 *
 * @param zone       the {@code <cache-zone>} it stores into (required)
 * @param purgeFrom  address blocks allowed to send PURGE (default none: every PURGE gets 403)
 * @param policy     heuristic freshness options (default off, see {@link PolicyOptions})
 * @param lockTimeout how long a miss waits for another request fetching the same key before it
 *                   goes upstream itself (default 5s; 0 turns collapsing off)
 * @param upstreamTimeout bound on one pass through the inner handler (default 5m)
 */
public record CacheSettings(String zone, List<String> purgeFrom, PolicyOptions policy, Duration lockTimeout,
                            Duration upstreamTimeout) {
    public CacheSettings {
        Objects.requireNonNull(zone, "zone");
        purgeFrom = List.copyOf(purgeFrom);
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(lockTimeout, "lockTimeout");
        Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
    }
}
