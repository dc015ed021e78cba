package org.nproxy.upstream.balance;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code least_conn}: the member with the fewest requests in flight relative to its weight
 * ({@code inFlight / weight}, compared without division). Ties go round robin, as in nginx.
 */
final class LeastConn implements Balancer {
    private final Member[] members;
    private final AtomicInteger start = new AtomicInteger();

    LeastConn(List<Member> members) {
        this.members = members.toArray(Member[]::new);
    }

    @Override
    public Member pick(String key) {
        int n = members.length;
        int offset = Math.floorMod(start.getAndIncrement(), n);
        Member best = null;
        long bestLoad = 0;
        int bestWeight = 1;
        for (int k = 0; k < n; k++) {
            Member m = members[(offset + k) % n];
            if (m.saturated()) {
                continue;
            }
            long load = m.state().inFlight();
            // load/weight < bestLoad/bestWeight  <=>  load*bestWeight < bestLoad*weight
            if (best == null || load * bestWeight < bestLoad * m.weight()) {
                best = m;
                bestLoad = load;
                bestWeight = m.weight();
            }
        }
        return best;
    }
}
