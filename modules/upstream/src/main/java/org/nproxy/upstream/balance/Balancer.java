package org.nproxy.upstream.balance;

import java.util.List;

/**
 * Picks one peer from an immutable set of usable members. A balancer is built for one snapshot
 * (membership and health fixed) and thrown away when either changes, so {@link #pick} needs no
 * lock; the only shared mutable state is a counter or the peers' in-flight counts. A
 * {@link BalancerFactory} makes one per snapshot.
 */
public interface Balancer {
    /**
     * The chosen member, or null when there is none.
     *
     * @param key the client address for {@code ip_hash}, the rendered key for {@code hash};
     *            unused by the others
     */
    Member pick(String key);
}
