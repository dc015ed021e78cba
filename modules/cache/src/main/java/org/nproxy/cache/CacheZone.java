package org.nproxy.cache;

import java.util.Objects;

import org.nproxy.cache.internal.Collapser;
import org.nproxy.cache.shared.SharedTiers;
import org.nproxy.cache.shared.TieredStore;
import org.nproxy.cache.store.EhcacheStore;
import org.nproxy.cache.store.Store;
import org.nproxy.cache.store.StoreLayout;
import org.nproxy.spi.ResourceContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime part of one {@code <cache-zone>}: its store, and the state that must outlive a
 * generation with it (requests in flight that others wait for, background refreshes). Shared by
 * every generation with the same {@link ZoneSettings}; closed after the last one drains, which
 * closes the store cleanly so that its disk tier survives a restart. A JVM shutdown hook does
 * the same when the process ends without a clean stop.
 */
public final class CacheZone implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CacheZone.class);

    private final ZoneSettings settings;
    private final Store store;
    private final Collapser collapser;
    private final Thread shutdownHook;
    /** Read by the zone's gauges, which hold it weakly (Micrometer's rule): kept here as long as the zone. */
    private Object meters;
    private volatile boolean closed;

    private CacheZone(ZoneSettings settings, Store store, Collapser collapser) {
        this.settings = settings;
        this.store = store;
        this.collapser = collapser;
        this.shutdownHook = new Thread(this::closeStore, "cache-zone-" + settings.name() + "-close");
    }

    /** Opens the zone's store under its directory (a zone without a shared tier). */
    public static CacheZone open(ZoneSettings settings) throws Exception {
        return open(settings, null);
    }

    /**
     * Opens the zone's store under its directory and, with {@code shared="..."}, its shared tier
     * from the module that provides the URI's scheme ({@link SharedTiers}).
     */
    public static CacheZone open(ZoneSettings settings, ResourceContext context) throws Exception {
        Objects.requireNonNull(settings, "settings");
        StoreLayout layout = new StoreLayout(settings.dir(), settings.heap(), settings.offHeap(), settings.disk(),
            settings.maxObject());
        EhcacheStore local = EhcacheStore.open(layout);
        Object meters = context == null ? null
            : ZoneMeters.register(context.meters(), settings.name(), local, settings.offHeap() > 0, settings.disk() > 0);
        Store store = local;
        Collapser collapser = new Collapser();
        if (settings.shared() != null) {
            try {
                TieredStore tiered = new TieredStore(settings.name(), store,
                    SharedTiers.open(settings.name(), settings.shared(), Objects.requireNonNull(context, "context")),
                    settings.shared());
                store = tiered;
                collapser = new Collapser(tiered::landed);
            } catch (Exception | Error e) {
                store.close();
                throw e;
            }
        }
        CacheZone zone = new CacheZone(settings, store, collapser);
        zone.meters = meters;
        Runtime.getRuntime().addShutdownHook(zone.shutdownHook);
        LOG.info("cache zone '{}' open in {} (heap {} entries, off-heap {}, disk {}, max-object {})", settings.name(),
            settings.dir(), layout.heapEntries(), settings.offHeap(), settings.disk(), settings.maxObject());
        if (settings.shared() != null) {
            LOG.info("cache zone '{}' shares entries through {} (timeout {}, max-object {}, lease {})", settings.name(),
                settings.shared().uri(), settings.shared().timeout(), settings.shared().maxObject(),
                settings.shared().lease());
        }
        return zone;
    }

    public ZoneSettings settings() {
        return settings;
    }

    public Store store() {
        return store;
    }

    /** Requests in flight per key, for collapsing and for one refresh per entry. */
    public Collapser collapser() {
        return collapser;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) closeStore
        }
        closeStore();
    }

    private synchronized void closeStore() {
        if (!closed) {
            closed = true;
            store.close();
            LOG.info("cache zone '{}' closed", settings.name());
        }
    }
}
