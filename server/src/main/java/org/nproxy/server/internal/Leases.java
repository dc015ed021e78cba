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
    /** The generation's meters ({@code ModuleContext.meters()}), let go with the rest. */
    private MeterScope meters;

    public synchronized Object acquire(SharedResources pool, Object key, Callable<?> create) throws Exception {
        this.pool = pool;
        Object value = pool.acquire(key, create);
        keys.add(key);
        return value;
    }

    /** The meter scope of the generation these leases belong to, created on first use. */
    public synchronized MeterScope meters(SharedResources pool) {
        if (meters == null) {
            meters = pool.meters().scope();
        }
        return meters;
    }

    /** Releases everything held; safe to call twice. */
    public synchronized void releaseAll() {
        if (meters != null) {
            meters.close(); // new scope on next use: a failed build's leases may be reused
            meters = null;
        }
        for (int i = keys.size() - 1; i >= 0; i--) {
            pool.release(keys.get(i));
        }
        keys.clear();
    }
}
