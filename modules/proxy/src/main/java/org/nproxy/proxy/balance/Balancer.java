package org.nproxy.proxy.balance;

import java.util.List;

/**
 * Picks one peer from an immutable set of usable members. A balancer is built for one snapshot
 * (membership and health fixed) and thrown away when either changes, so {@link #pick} needs no
 * lock; the only shared mutable state is a counter or the peers' in-flight counts.
 */
public interface Balancer {
    /**
     * The chosen member, or null when there is none.
     *
     * @param key the client address for {@code ip_hash}, the rendered key for {@code hash};
     *            unused by the others
     */
    Member pick(String key);

    /** Builds a balancer over the members of one snapshot (never empty). */
    interface Factory {
        Balancer create(List<Member> members);
    }

    /** The factory for a balancer name of {@code UpstreamConfig.BALANCERS}. */
    static Factory named(String name) {
        return switch (name) {
            case "round_robin" -> SmoothRoundRobin::new;
            case "least_conn" -> LeastConn::new;
            case "ip_hash", "hash" -> RendezvousHash::new;
            case "random_two" -> RandomTwo::new;
            case "ewma" -> PeakEwma::new;
            default -> throw new IllegalStateException("unknown balancer '" + name + "'; the config loader should have rejected it");
        };
    }
}
