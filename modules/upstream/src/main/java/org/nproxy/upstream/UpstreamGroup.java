package org.nproxy.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.client.HttpClient;
import org.nproxy.upstream.HealthCheckConfig;
import org.nproxy.upstream.PeerConfig;
import org.nproxy.upstream.UpstreamConfig;
import org.eclipse.jetty.io.ByteBufferPool;
import org.nproxy.upstream.balance.Balancer;
import org.nproxy.upstream.balance.BalancerFactory;
import org.nproxy.upstream.balance.Member;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime part of one {@code <upstream>}: its peers' state, its keep-alive pool, its health
 * checkers and resolver timers, and the current balancer snapshot. Opened by
 * {@link UpstreamElementFactory#open} and shared by every generation with the same settings
 * (handlers get it with {@code context.resource("upstream", name, UpstreamGroup.class)}); closed
 * after the last of them has drained, which stops its timers and its client.
 *
 * <p>{@link #pick} is lock-free; the snapshot is rebuilt when the group's epoch moved (a peer went
 * down or came back) or a passive ban or slow start window has run out.
 */
public final class UpstreamGroup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamGroup.class);

    private record Snapshot(long epoch, long validUntilNanos, List<Member> members, Balancer balancer) {
    }

    private final UpstreamConfig config;
    private final AtomicLong epoch = new AtomicLong();
    private final List<PeerState> states;
    private final BalancerFactory factory;
    private final HttpClient client;
    private final HealthChecks healthChecks = new HealthChecks();
    private final Resolvers resolvers = new Resolvers();
    private final long slowStartNanos;
    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private volatile UpstreamMeters meters;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** Groups open in this JVM (each holds one pool client), for tests and metrics. */
    private static final java.util.concurrent.atomic.AtomicInteger OPEN = new java.util.concurrent.atomic.AtomicInteger();

    private UpstreamGroup(UpstreamConfig config, BalancerFactory factory, HttpClient client) {
        this.config = Objects.requireNonNull(config, "config");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.client = client;
        this.states = config.peers().stream().map(p -> new PeerState(p.address(), epoch)).toList();
        HealthCheckConfig hc = config.healthCheck();
        this.slowStartNanos = hc == null ? 0 : hc.slowStart().toNanos();
        current.set(build(System.nanoTime()));
    }

    /**
     * Opens a group: its pool client, then its health checkers and resolver timers.
     *
     * @param buffers the server's buffer pool, or null for the client's own
     */
    public static UpstreamGroup open(UpstreamConfig config, BalancerFactory balancer, ByteBufferPool buffers) {
        UpstreamGroup group = new UpstreamGroup(config, balancer, PoolClients.newClient(config, buffers));
        OPEN.incrementAndGet();
        for (int i = 0; i < config.peers().size(); i++) {
            if (!config.resolve().isZero()) {
                group.resolvers.acquire(config.peers().get(i), group.states.get(i), config.resolve());
            }
            if (config.healthCheck() != null) {
                group.healthChecks.acquire(config.peers().get(i), group.states.get(i), config.healthCheck());
            }
        }
        return group;
    }

    /** Stops the health checkers, the resolver timers and the pool (open connections close). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        OPEN.decrementAndGet();
        healthChecks.close();
        resolvers.close();
        try {
            client.stop();
        } catch (Exception e) {
            LOG.warn("stopping the pool of upstream '{}': {}", config.name(), e.toString());
        }
    }

    /**
     * Registers the group's meters in {@code scope} (the group's own, from
     * {@code ResourceContext.meters()}, so they go when it closes). Without it nothing is recorded.
     */
    public UpstreamGroup withMeters(org.nproxy.spi.Meters scope) {
        this.meters = UpstreamMeters.register(this, scope);
        return this;
    }

    /** Counts an attempt made after a failed one. */
    public void retried() {
        UpstreamMeters m = meters;
        if (m != null) {
            m.retried();
        }
    }

    /** Pool figures by connect address ({@code host:port}). */
    public Map<String, PoolStats> poolStats() {
        return PoolClients.poolStats(client);
    }

    /** Whether {@link #close} ran. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Groups open now in this JVM, each with one pool client (HttpClient). */
    public static int openGroups() {
        return OPEN.get();
    }

    /** Active health-check probe loops running now in this JVM. */
    public static int runningHealthChecks() {
        return HealthChecks.running();
    }

    public UpstreamConfig config() {
        return config;
    }

    public HttpClient client() {
        return client;
    }

    public List<PeerState> states() {
        return states;
    }

    /**
     * A usable member not in {@code tried}, or null when none is left.
     *
     * @param key client address or hash key (see {@link Balancer#pick})
     */
    public Member pick(String key, List<Member> tried) {
        long now = System.nanoTime();
        Snapshot s = current.get();
        if (s.epoch != epoch.get() || now - s.validUntilNanos >= 0) {
            Snapshot fresh = build(now);
            current.compareAndSet(s, fresh);
            s = fresh;
        }
        if (s.members.isEmpty()) {
            return null;
        }
        Member m = s.balancer.pick(key);
        if (m != null && !m.saturated() && !contains(tried, m)) {
            return m;
        }
        // The balancer's choice was tried already or is full: take the next one that is not.
        List<Member> members = s.members;
        int n = members.size();
        int offset = ThreadLocalRandom.current().nextInt(n);
        for (int k = 0; k < n; k++) {
            Member other = members.get((offset + k) % n);
            if (!other.saturated() && !contains(tried, other)) {
                return other;
            }
        }
        return null;
    }

    private static boolean contains(List<Member> tried, Member m) {
        for (Member t : tried) {
            if (t.state() == m.state()) {
                return true;
            }
        }
        return false;
    }

    private Snapshot build(long now) {
        long epoch = this.epoch.get();
        long validUntil = now + 3_600_000_000_000L;
        List<Member> primary = new ArrayList<>();
        List<Member> backup = new ArrayList<>();
        List<Member> fallback = new ArrayList<>();
        for (int i = 0; i < states.size(); i++) {
            PeerConfig pc = config.peers().get(i);
            PeerState st = states.get(i);
            if (pc.down() || st.drained()) {
                continue;
            }
            if (st.passivelyDown(now) && st.downUntilNanos() - validUntil < 0) {
                validUntil = st.downUntilNanos();
            }
            int weight = pc.weight();
            if (slowStartNanos > 0 && st.recoveredAtNanos() != Long.MIN_VALUE) {
                long since = now - st.recoveredAtNanos();
                if (since < slowStartNanos) {
                    weight = (int) Math.max(1, pc.weight() * since / slowStartNanos);
                    validUntil = Math.min(validUntil, now + Math.max(100_000_000L, slowStartNanos / 10));
                }
            }
            Member m = new Member(pc, st, weight);
            if (!st.activeDown() && !pc.backup()) {
                fallback.add(m);
            }
            if (!st.healthy(now)) {
                continue;
            }
            (pc.backup() ? backup : primary).add(m);
        }
        // Every peer passively banned: try them anyway (as nginx does) rather than fail everything.
        List<Member> members = !primary.isEmpty() ? primary : !backup.isEmpty() ? backup : fallback;
        return new Snapshot(epoch, validUntil, List.copyOf(members),
            members.isEmpty() ? null : factory.create(List.copyOf(members)));
    }
}
