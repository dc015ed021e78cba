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
 * @param key        the primary key template over request variables, null for the default
 *                   (scheme, host and target; {@link org.nproxy.cache.internal.CacheKey})
 */
public record CacheSettings(String zone, List<String> purgeFrom, PolicyOptions policy, Duration lockTimeout,
                            Duration upstreamTimeout, String key) {
    /** The same with the default key (scheme, host and target). */
    public CacheSettings(String zone, List<String> purgeFrom, PolicyOptions policy, Duration lockTimeout,
                         Duration upstreamTimeout) {
        this(zone, purgeFrom, policy, lockTimeout, upstreamTimeout, null);
    }

    public CacheSettings {
        Objects.requireNonNull(zone, "zone");
        purgeFrom = List.copyOf(purgeFrom);
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(lockTimeout, "lockTimeout");
        Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
    }
}
