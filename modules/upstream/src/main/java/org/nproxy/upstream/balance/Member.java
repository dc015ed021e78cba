package org.nproxy.upstream.balance;

import org.nproxy.upstream.PeerConfig;
import org.nproxy.upstream.PeerState;

/**
 * A usable peer in a balancer snapshot: its configuration, its live state, and its effective
 * weight at the time the snapshot was built (lower than configured during slow start).
 */
public record Member(PeerConfig config, PeerState state, int weight) {
    public String address() {
        return config.address();
    }

    /** True when {@code max-conns} is set and reached. */
    public boolean saturated() {
        return config.maxConns() > 0 && state.inFlight() >= config.maxConns();
    }
}
