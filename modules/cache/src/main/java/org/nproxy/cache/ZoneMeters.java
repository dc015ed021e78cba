package org.nproxy.cache;

import java.util.Map;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import org.ehcache.core.statistics.TierStatistics;
import org.nproxy.cache.store.EhcacheStore;
import org.nproxy.spi.Meters;

/**
 * A zone's store, per tier: {@code nproxy_cache_stored_bytes{zone,tier}} (off-heap and disk as
 * Ehcache measures them; {@code files}, the bodies kept as files in the zone's directory),
 * {@code nproxy_cache_entries{zone,tier}} and {@code nproxy_cache_evictions_total{zone,tier}}.
 * Registered in the zone's own scope: they live as long as the zone, across reloads that keep it.
 * Read at scrape time from Ehcache's statistics; the files' size is walked at most every 5 s.
 */
final class ZoneMeters {
    /** Ehcache's tier names and the label each gets. */
    private static final Map<String, String> TIERS = Map.of("OnHeap", "heap", "OffHeap", "off-heap", "Disk", "disk");
    private static final long FILES_EVERY_NANOS = 5_000_000_000L;

    private final EhcacheStore store;
    private long filesAt;
    private long filesBytes;

    private ZoneMeters(EhcacheStore store) {
        this.store = store;
    }

    /** Registers the zone's meters; the caller keeps the returned object as long as the zone (gauges hold it weakly). */
    static ZoneMeters register(Meters meters, String zone, EhcacheStore store, boolean offHeap, boolean disk) {
        ZoneMeters m = new ZoneMeters(store);
        for (Map.Entry<String, String> tier : TIERS.entrySet()) {
            String name = tier.getKey();
            if (name.equals("OffHeap") && !offHeap || name.equals("Disk") && !disk) {
                continue;
            }
            if (!name.equals("OnHeap")) { // the heap tier is sized in entries: Ehcache measures no bytes
                m.gauge(meters, "nproxy.cache.stored.bytes", "Bytes a cache zone holds, by tier", zone, tier.getValue(),
                    t -> t.getOccupiedByteSize());
            }
            m.gauge(meters, "nproxy.cache.entries", "Entries (index and variant entries) a cache zone holds, by tier",
                zone, tier.getValue(), t -> t.getMappings());
            meters.replace(r -> FunctionCounter.builder("nproxy.cache.evictions", m, z -> z.stat(name, t -> t.getEvictions()))
                .description("Entries a cache zone's tier evicted for room").tag("zone", zone).tag("tier", tier.getValue())
                .register(r));
        }
        meters.replace(r -> Gauge.builder("nproxy.cache.stored.bytes", m, ZoneMeters::files)
            .description("Bytes a cache zone holds, by tier").tag("zone", zone).tag("tier", "files").register(r));
        return m;
    }

    private void gauge(Meters meters, String name, String help, String zone, String tier, ToDoubleFunction<TierStatistics> read) {
        String ehcacheTier = TIERS.entrySet().stream().filter(e -> e.getValue().equals(tier)).findFirst().orElseThrow().getKey();
        meters.replace(r -> Gauge.builder(name, this, z -> z.stat(ehcacheTier, read))
            .description(help).tag("zone", zone).tag("tier", tier).register(r));
    }

    private double stat(String tier, ToDoubleFunction<TierStatistics> read) {
        TierStatistics t = store.tierStatistics().get(tier);
        return t == null ? Double.NaN : read.applyAsDouble(t);
    }

    private synchronized double files() {
        long now = System.nanoTime();
        if (filesAt == 0 || now - filesAt > FILES_EVERY_NANOS) {
            filesBytes = store.bodyFileBytes();
            filesAt = now;
        }
        return filesBytes;
    }
}
