package org.nproxy.cache.policy;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What the policy reads of a stored response on every use, derived once: its cache directives
 * (§5.2.2, or a targeted field of RFC 9213), the {@code corrected_initial_age} of §4.2.3 and the
 * explicit freshness lifetime of §4.2.1. The current age is then one subtraction.
 */
public final class Prepared {
    private final Exchange exchange;
    private final List<String> targeted;
    private final CacheControl directives;
    private final long correctedInitialAge;
    private final OptionalLong explicitLifetime;
    private volatile Object[] heuristic; // {PolicyOptions, Long}: the last options asked for

    private Prepared(Exchange exchange, List<String> targeted) {
        this.exchange = exchange;
        this.targeted = targeted;
        this.directives = Freshness.directives(exchange.headers(), targeted);
        this.correctedInitialAge = Freshness.correctedInitialAge(exchange);
        this.explicitLifetime = Freshness.explicitLifetime(exchange.headers(), targeted);
    }

    /** With the default targeted field (CDN-Cache-Control). */
    public static Prepared of(Exchange exchange) {
        return of(exchange, TargetedField.DEFAULT);
    }

    /** With the targeted fields of RFC 9213 this cache obeys, in priority order. */
    public static Prepared of(Exchange exchange, List<String> targeted) {
        return new Prepared(Objects.requireNonNull(exchange, "exchange"), Objects.requireNonNull(targeted, "targeted"));
    }

    /** The targeted field list it was derived with. */
    public List<String> targeted() {
        return targeted;
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
