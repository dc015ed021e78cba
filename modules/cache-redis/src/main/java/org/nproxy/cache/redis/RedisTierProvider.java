package org.nproxy.cache.redis;

import java.util.List;

import org.nproxy.cache.shared.SharedSettings;
import org.nproxy.cache.shared.SharedTier;
import org.nproxy.cache.shared.SharedTierProvider;
import org.nproxy.spi.ResourceContext;

/**
 * Shared cache tiers on Redis: {@code redis://}, {@code rediss://}, {@code redis-socket://},
 * {@code redis-sentinel://}, {@code rediss-sentinel://} (as Lettuce reads them) and
 * {@code redis-cluster://h1:p1,h2:p2} / {@code rediss-cluster://} (cluster seeds).
 *
 * <pre>{@code
 * <cache-zone name="pages" heap="64m" shared="redis://10.0.0.5:6379/0" shared-password-file="etc/redis.password"/>
 * }</pre>
 */
public final class RedisTierProvider implements SharedTierProvider {
    @Override
    public List<String> schemes() {
        return Target.SCHEMES;
    }

    @Override
    public String check(SharedSettings settings) {
        return Target.check(settings);
    }

    @Override
    public SharedTier open(String zone, SharedSettings settings, ResourceContext context) throws Exception {
        return new RedisTier(zone, settings, context.meters());
    }
}
