package org.nproxy.cache.policy;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What the policy reads of a stored response on every use, derived once: its cache directives
 * (§5.2.2, or {@code CDN-Cache-Control}), the {@code corrected_initial_age} of §4.2.3 and the
 * explicit freshness lifetime of §4.2.1. The current age is then one subtraction.
 */
public final class Prepared {
    private final Exchange exchange;
    private final CacheControl directives;
    private final long correctedInitialAge;
    private final OptionalLong explicitLifetime;
    private volatile Object[] heuristic; // {PolicyOptions, Long}: the last options asked for

    private Prepared(Exchange exchange) {
        this.exchange = exchange;
        this.directives = Freshness.directives(exchange.headers());
        this.correctedInitialAge = Freshness.correctedInitialAge(exchange);
        this.explicitLifetime = Freshness.explicitLifetime(exchange.headers());
    }

    public static Prepared of(Exchange exchange) {
        return new Prepared(Objects.requireNonNull(exchange, "exchange"));
    }

    public Exchange exchange() {
        return exchange;
    }

    /** The response's cache directives. */
    public CacheControl directives() {
        return directives;
    }

    /** §4.2.3: {@code current_age} in seconds at {@code now} (epoch ms). */
    public long currentAge(long now) {
        return (correctedInitialAge + Math.max(0, now - exchange.responseTime())) / 1000;
    }

    /** §4.2.1: the freshness lifetime in seconds under these options. */
    public long lifetime(PolicyOptions options) {
        if (explicitLifetime.isPresent()) {
            return explicitLifetime.getAsLong();
        }
        Object[] h = heuristic;
        if (h != null && h[0].equals(options)) {
            return (Long) h[1];
        }
        long lifetime = Freshness.heuristicLifetime(exchange, options);
        heuristic = new Object[] {options, lifetime};
        return lifetime;
    }
}
