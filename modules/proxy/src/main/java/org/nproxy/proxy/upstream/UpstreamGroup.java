package org.nproxy.proxy.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.client.HttpClient;
import org.nproxy.config.HealthCheckConfig;
import org.nproxy.config.PeerConfig;
import org.nproxy.config.UpstreamConfig;
import org.nproxy.proxy.balance.Balancer;
import org.nproxy.proxy.balance.Member;

/**
 * One {@code <upstream>} of one generation: its peers (state shared by address), its pooled
 * client, and the current balancer snapshot. {@link #pick} is lock-free; the snapshot is rebuilt
 * when the registry epoch moved (a peer went down or came back) or a passive ban or slow start
 * window has run out.
 */
public final class UpstreamGroup {
    private record Snapshot(long epoch, long validUntilNanos, List<Member> members, Balancer balancer) {
    }

    private final UpstreamConfig config;
    private final Upstreams registry;
    private final List<PeerState> states;
    private final Balancer.Factory factory;
    private final HttpClient client;
    private final long slowStartNanos;
    private final AtomicReference<Snapshot> current = new AtomicReference<>();

    UpstreamGroup(UpstreamConfig config, Upstreams registry, HttpClient client) {
        this.config = Objects.requireNonNull(config, "config");
        this.registry = registry;
        this.client = client;
        this.factory = Balancer.named(config.balance());
        this.states = config.peers().stream().map(p -> registry.peer(p.address())).toList();
        HealthCheckConfig hc = config.healthCheck();
        this.slowStartNanos = hc == null ? 0 : hc.slowStart().toNanos();
        current.set(build(System.nanoTime()));
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
        if (s.epoch != registry.epoch() || now - s.validUntilNanos >= 0) {
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
        long epoch = registry.epoch();
        long validUntil = now + 3_600_000_000_000L;
        List<Member> primary = new ArrayList<>();
        List<Member> backup = new ArrayList<>();
        List<Member> fallback = new ArrayList<>();
        for (int i = 0; i < states.size(); i++) {
            PeerConfig pc = config.peers().get(i);
            PeerState st = states.get(i);
            if (pc.down()) {
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
