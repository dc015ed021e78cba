package org.nproxy.upstream.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code round_robin}: nginx's smooth weighted round robin. Weights {5,1,1} give
 * {@code a a b a c a a}, never a burst of five to the heavy peer; equal weights give plain round
 * robin. Because the weights of a snapshot are fixed, the whole cycle (sum of weights long) is
 * computed once with nginx's algorithm and a pick is one atomic increment.
 */
final class SmoothRoundRobin implements Balancer {
    private static final int MAX_CYCLE = 1 << 16;

    private final Member[] cycle;
    private final AtomicLong next = new AtomicLong();

    SmoothRoundRobin(List<Member> members) {
        int n = members.size();
        int[] weights = new int[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = Math.max(1, members.get(i).weight());
            total += weights[i];
        }
        if (total > MAX_CYCLE) { // keep the table small; proportions survive the scaling
            double scale = (double) MAX_CYCLE / total;
            total = 0;
            for (int i = 0; i < n; i++) {
                weights[i] = Math.max(1, (int) (weights[i] * scale));
                total += weights[i];
            }
        }
        cycle = new Member[(int) total];
        int[] current = new int[n];
        for (int k = 0; k < cycle.length; k++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= (int) total;
            cycle[k] = members.get(best);
        }
        // Start at a random point so that many snapshots (reloads) do not all hit peer 0 first.
        next.set(java.util.concurrent.ThreadLocalRandom.current().nextInt(cycle.length));
    }

    @Override
    public Member pick(String key) {
        return cycle[(int) Long.remainderUnsigned(next.getAndIncrement(), cycle.length)];
    }
}
