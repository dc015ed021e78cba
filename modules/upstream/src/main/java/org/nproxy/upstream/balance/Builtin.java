package org.nproxy.upstream.balance;

import java.util.List;

/**
 * The balancers that ship with Nproxy, each a {@link BalancerFactory} registered like any other
 * (so a jar in {@code lib/ext/} has exactly the same powers).
 */
public final class Builtin {
    private Builtin() {
    }

    /** {@code round_robin} (default): nginx's smooth weighted round robin. */
    public static final class RoundRobin implements BalancerFactory {
        @Override
        public String name() {
            return "round_robin";
        }

        @Override
        public Balancer create(List<Member> members) {
            return new SmoothRoundRobin(members);
        }
    }

    /** {@code least_conn}: fewest requests in flight relative to weight. */
    public static final class LeastConnections implements BalancerFactory {
        @Override
        public String name() {
            return "least_conn";
        }

        @Override
        public Balancer create(List<Member> members) {
            return new LeastConn(members);
        }
    }

    /** {@code ip_hash}: sticky by client address (rendezvous hashing). */
    public static final class IpHash implements BalancerFactory {
        @Override
        public String name() {
            return "ip_hash";
        }

        @Override
        public Balancer create(List<Member> members) {
            return new RendezvousHash(members);
        }
    }

    /** {@code hash}: sticky by the group's {@code hash-key} template. */
    public static final class KeyHash implements BalancerFactory {
        @Override
        public String name() {
            return "hash";
        }

        @Override
        public boolean needsKey() {
            return true;
        }

        @Override
        public Balancer create(List<Member> members) {
            return new RendezvousHash(members);
        }
    }

    /** {@code random_two}: the less loaded of two random members. */
    public static final class PowerOfTwo implements BalancerFactory {
        @Override
        public String name() {
            return "random_two";
        }

        @Override
        public Balancer create(List<Member> members) {
            return new RandomTwo(members);
        }
    }

    /** {@code ewma}: lowest peak-EWMA latency times load. */
    public static final class Ewma implements BalancerFactory {
        @Override
        public String name() {
            return "ewma";
        }

        @Override
        public Balancer create(List<Member> members) {
            return new PeakEwma(members);
        }
    }
}
