package org.nproxy.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * What one generation holds in the {@link SharedResources} pool, released in reverse order when
 * the generation stops (or when building it failed half way).
 */
public final class Leases {
    private final List<Object> keys = new ArrayList<>();
    private SharedResources pool;

    public synchronized Object acquire(SharedResources pool, Object key, Callable<?> create) throws Exception {
        this.pool = pool;
        Object value = pool.acquire(key, create);
        keys.add(key);
        return value;
    }

    /** Releases everything held; safe to call twice. */
    public synchronized void releaseAll() {
        for (int i = keys.size() - 1; i >= 0; i--) {
            pool.release(keys.get(i));
        }
        keys.clear();
    }
}
