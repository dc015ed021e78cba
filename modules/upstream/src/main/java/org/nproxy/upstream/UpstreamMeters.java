package org.nproxy.upstream;

import java.util.Map;
import java.util.function.ToIntFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import org.nproxy.spi.Meters;

/**
 * Registers an upstream group's meters in the scope of the group ({@code ResourceContext.meters()}),
 * so they go when the group closes: per peer, {@code nproxy_upstream_peer_up} (1 when health
 * checks and passive health let it take requests), {@code nproxy_upstream_peer_drained} (an
 * operator drained it), {@code nproxy_upstream_peer_in_flight}, {@code nproxy_upstream_pool_connections{state=open|idle|in_use}},
 * the per-attempt meters of {@link PeerMeters}; per group, {@code nproxy_upstream_retries_total}.
 */
final class UpstreamMeters {
    private final Counter retries;

    private UpstreamMeters(Counter retries) {
        this.retries = retries;
    }

    /** Registers the group's meters and hands each peer its {@link PeerMeters}. */
    static UpstreamMeters register(UpstreamGroup group, Meters meters) {
        String name = group.config().name();
        Counter retries = meters.register(r -> Counter.builder("nproxy.upstream.retries")
            .description("Attempts made after a first one failed (the next peer was tried)")
            .tag("upstream", name).register(r));
        for (int i = 0; i < group.states().size(); i++) {
            PeerConfig peer = group.config().peers().get(i);
            PeerState state = group.states().get(i);
            Tags tags = Tags.of("upstream", name, "peer", peer.address());
            gauge(meters, "nproxy.upstream.peer.up", "1 when the peer takes requests as far as health goes (active checks, passive max-fails), else 0",
                tags, state, s -> !peer.down() && s.healthy(System.nanoTime()) ? 1 : 0);
            gauge(meters, "nproxy.upstream.peer.drained", "1 when an operator drained the peer (until it is brought back or the next reload)",
                tags, state, s -> s.drained() ? 1 : 0);
            gauge(meters, "nproxy.upstream.peer.in.flight", "Requests at the peer now", tags, state, PeerState::inFlight);
            String pool = "Keep-alive pool connections to the peer, by state (open = idle + in use + opening)";
            gauge(meters, "nproxy.upstream.pool.connections", pool, tags.and("state", "open"), group, g -> pool(g, peer, state).open());
            gauge(meters, "nproxy.upstream.pool.connections", pool, tags.and("state", "idle"), group, g -> pool(g, peer, state).idle());
            gauge(meters, "nproxy.upstream.pool.connections", pool, tags.and("state", "in_use"), group, g -> pool(g, peer, state).inUse());
            state.meters(new PeerMeters(meters, tags));
        }
        return new UpstreamMeters(retries);
    }

    /** A gauge reading this group's objects: replaces one an earlier group of the same name left. */
    private static <T> void gauge(Meters meters, String name, String help, Tags tags, T obj, ToIntFunction<T> f) {
        meters.replace(r -> Gauge.builder(name, obj, o -> f.applyAsInt(o)).description(help).tags(tags)
            .strongReference(true).register(r));
    }

    private static PoolStats pool(UpstreamGroup group, PeerConfig peer, PeerState state) {
        if (group.isClosed()) {
            return new PoolStats(0, 0, 0, 0);
        }
        Map<String, PoolStats> all = group.poolStats();
        return all.getOrDefault(state.connectHost(peer.host()) + ":" + peer.port(), new PoolStats(0, 0, 0, 0));
    }

    /** Counts one retry. */
    void retried() {
        retries.increment();
    }
}
