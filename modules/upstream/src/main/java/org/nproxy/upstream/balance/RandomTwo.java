package org.nproxy.upstream.balance;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code random_two}: the power of two choices. Draw two distinct members at random (weighted)
 * and take the one with fewer requests in flight relative to its weight. Nearly as good as
 * least_conn without scanning every peer, and without herding after a snapshot change.
 */
final class RandomTwo implements Balancer {
    private final Member[] members;
    private final int[] cumulative;
    private final int total;

    RandomTwo(List<Member> members) {
        this.members = members.toArray(Member[]::new);
        this.cumulative = new int[this.members.length];
        int sum = 0;
        for (int i = 0; i < this.members.length; i++) {
            sum += this.members[i].weight();
            cumulative[i] = sum;
        }
        this.total = sum;
    }

    @Override
    public Member pick(String key) {
        if (members.length == 1) {
            return members[0];
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = draw(random);
        int b = draw(random);
        for (int tries = 0; b == a && tries < 8; tries++) {
            b = draw(random);
        }
        if (b == a) {
            b = (a + 1) % members.length;
        }
        return better(members[a], members[b]);
    }

    static Member better(Member a, Member b) {
        if (a.saturated() != b.saturated()) {
            return a.saturated() ? b : a;
        }
        long la = (long) a.state().inFlight() * b.weight();
        long lb = (long) b.state().inFlight() * a.weight();
        return lb < la ? b : a;
    }

    int draw(ThreadLocalRandom random) {
        int r = random.nextInt(total);
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > r) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    Member[] members() {
        return members;
    }
}
