package org.nproxy.cache.policy;

import java.util.List;
import java.util.Objects;

/**
 * What an operator may change about the policy; everything else follows RFC 9111 for a shared
 * cache.
 *
 * @param heuristicFraction fraction of {@code Date - Last-Modified} used as heuristic freshness
 *                          (RFC 9111 §4.2.2) for responses without explicit freshness; default 0:
 *                          off, such responses are stored but revalidated on every use
 * @param heuristicMaxSeconds upper bound of a heuristic lifetime; default one day
 * @param heuristicDefaultSeconds heuristic lifetime for a heuristically cacheable response without
 *                          explicit freshness and without {@code Last-Modified}; default 0: off
 * @param targeted          the targeted cache-control fields this cache obeys (RFC 9213 §2.1), in
 *                          priority order; default {@code CDN-Cache-Control} ({@link TargetedField#DEFAULT});
 *                          empty: only {@code Cache-Control} and {@code Expires}
 */
public record PolicyOptions(double heuristicFraction, long heuristicMaxSeconds, long heuristicDefaultSeconds,
                            List<String> targeted) {
    /** No heuristic freshness at all; CDN-Cache-Control as the targeted field. */
    public static final PolicyOptions DEFAULTS = new PolicyOptions(0, 86_400, 0);

    public PolicyOptions {
        if (heuristicFraction < 0 || heuristicFraction > 1) {
            throw new IllegalArgumentException("heuristic fraction must be within [0, 1]: " + heuristicFraction);
        }
        if (heuristicMaxSeconds < 0 || heuristicDefaultSeconds < 0) {
            throw new IllegalArgumentException("negative heuristic lifetime");
        }
        targeted = List.copyOf(Objects.requireNonNull(targeted, "targeted"));
    }

    /** Heuristic options with the default targeted field ({@code CDN-Cache-Control}). */
    public PolicyOptions(double heuristicFraction, long heuristicMaxSeconds, long heuristicDefaultSeconds) {
        this(heuristicFraction, heuristicMaxSeconds, heuristicDefaultSeconds, TargetedField.DEFAULT);
    }

    public boolean heuristicEnabled() {
        return heuristicFraction > 0 || heuristicDefaultSeconds > 0;
    }

    /** The same options with another targeted field list. */
    public PolicyOptions withTargeted(List<String> names) {
        return new PolicyOptions(heuristicFraction, heuristicMaxSeconds, heuristicDefaultSeconds, names);
    }
}
