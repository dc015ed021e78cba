package org.nproxy.upstream.balance;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code ip_hash} and {@code hash}: weighted rendezvous (highest random weight) hashing. Each
 * member scores {@code -weight / ln(h(key, address))} and the highest score wins. A key maps to
 * the same peer as long as that peer is usable; when one of N peers leaves, only the keys that
 * were on it move (about 1/N), and they spread over the others. Keyed by peer <em>address</em>,
 * so reordering peers in the config moves nothing. O(N) per pick, fine for the tens of peers an
 * upstream group holds.
 */
final class RendezvousHash implements Balancer {
    private final Member[] members;
    private final long[] seeds;

    RendezvousHash(List<Member> members) {
        this.members = members.toArray(Member[]::new);
        this.seeds = new long[this.members.length];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = hash(this.members[i].address().getBytes(StandardCharsets.UTF_8), 0x9E3779B97F4A7C15L);
        }
    }

    @Override
    public Member pick(String key) {
        byte[] k = (key == null ? "" : key).getBytes(StandardCharsets.UTF_8);
        long base = hash(k, 0);
        Member best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < members.length; i++) {
            long h = mix(base ^ seeds[i]);
            // uniform in (0,1): 53 random bits, never 0
            double u = ((h >>> 11) + 0.5) / (double) (1L << 53);
            double score = -members[i].weight() / Math.log(u);
            if (score > bestScore) {
                bestScore = score;
                best = members[i];
            }
        }
        return best;
    }

    private static long hash(byte[] data, long seed) {
        long h = seed ^ 0xcbf29ce484222325L;
        for (byte b : data) {
            h ^= b;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** SplitMix64 finalizer: spreads every input bit over the whole word. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
