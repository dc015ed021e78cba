package org.nproxy.cache.store;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the {@link EhcacheStore} decoded from its values, by Ehcache key: the memory the cache
 * answers hits from without asking Ehcache ({@link EhcacheStore#peek}), so it must never hold a
 * value the store replaced or removed.
 *
 * <p>Every write of the store forgets the keys it touched <em>after</em> writing Ehcache, and
 * bumps a version of the key's stripe. A reader takes the stripe's version ({@link #stamp})
 * before it reads Ehcache and remembers what it decoded only if the version did not move
 * meanwhile: a reader that read the old value before a write cannot put it back after the
 * write forgot it. Values Ehcache evicts from its last tier are forgotten by its (asynchronous)
 * event listener; until then a hit may still be answered from the decoded copy, as it was
 * before the eviction (inline bodies are heap arrays, mapped body files stay readable after
 * their file is deleted).
 */
final class DecodedValues {
    /** A value and what was decoded from it. */
    record Decoded(byte[] value, Object result) {
    }

    private static final int STRIPES = 64;

    private final ConcurrentHashMap<String, Decoded> map = new ConcurrentHashMap<>();
    private final AtomicLongArray versions = new AtomicLongArray(STRIPES);
    private final int cap;

    /** @param cap how many values are remembered; past it, a quarter are forgotten (decoded again on their next hit) */
    DecodedValues(int cap) {
        this.cap = cap;
    }

    Decoded get(String key) {
        return map.get(key);
    }

    /** The version to pass to {@link #remember}, taken before the value is read from Ehcache. */
    long stamp(String key) {
        return versions.get(stripe(key));
    }

    /** Remembers a decoded value unless a write of its stripe came after {@code stamp}. */
    void remember(String key, long stamp, byte[] value, Object result) {
        if (map.size() >= cap) {
            Iterator<String> it = map.keySet().iterator();
            for (int i = 0; i < cap / 4 && it.hasNext(); i++) {
                it.next();
                it.remove();
            }
        }
        map.compute(key, (k, old) -> versions.get(stripe(k)) == stamp ? new Decoded(value, result) : old);
    }

    /** After a write of {@code key} to Ehcache: what was decoded from its old value is gone. */
    void forget(String key) {
        versions.incrementAndGet(stripe(key));
        map.remove(key);
    }

    /** After Ehcache itself was replaced (a take-over of the directory). */
    void forgetAll() {
        for (int i = 0; i < STRIPES; i++) {
            versions.incrementAndGet(i);
        }
        map.clear();
    }

    int size() {
        return map.size();
    }

    private static int stripe(String key) {
        return Math.floorMod(key.hashCode(), STRIPES);
    }
}
