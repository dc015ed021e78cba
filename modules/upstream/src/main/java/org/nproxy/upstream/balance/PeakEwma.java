package org.nproxy.upstream.balance;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code ewma}: peak-EWMA latency (Finagle, Linkerd). Each peer's cost is its decaying average
 * time to response headers, jumping up at once on a slow response ("peak") and decaying over
 * ~10s, multiplied by {@code inFlight + 1} and divided by its weight. Two members drawn at random,
 * the cheaper one wins. A peer never measured costs as much as the slowest measured one, so a new
 * peer gets tried without being flooded.
 */
final class PeakEwma implements Balancer {
    private final RandomTwo draw;

    PeakEwma(List<Member> members) {
        this.draw = new RandomTwo(members);
    }

    @Override
    public Member pick(String key) {
        Member[] members = draw.members();
        if (members.length == 1) {
            return members[0];
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = draw.draw(random);
        int b = draw.draw(random);
        if (b == a) {
            b = (a + 1) % members.length;
        }
        Member ma = members[a];
        Member mb = members[b];
        if (ma.saturated() != mb.saturated()) {
            return ma.saturated() ? mb : ma;
        }
        double ea = ma.state().ewmaNanos();
        double eb = mb.state().ewmaNanos();
        double unknown = Math.max(Math.max(ea, eb), 1.0);
        double ca = (ea == 0 ? unknown : ea) * (ma.state().inFlight() + 1) / ma.weight();
        double cb = (eb == 0 ? unknown : eb) * (mb.state().inFlight() + 1) / mb.weight();
        return cb < ca ? mb : ma;
    }
}
