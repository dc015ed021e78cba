package org.nproxy.cache;

import java.nio.file.Path;
import java.util.Objects;

import org.nproxy.cache.shared.SharedSettings;

/**
 * A bound {@code <cache-zone>}: a value (no positions), so that a reload with the same sizes
 * keeps the open store and a changed one opens a new store.
 *
 * @param name      the zone name handlers refer to with {@code zone="..."}
 * @param dir       the zone directory, absolute (default {@code var/cache/NAME} under the base)
 * @param heap      heap tier budget in bytes (default 16m), turned into an entry count
 * @param offHeap   off-heap tier in bytes, 0 for none (default 0); needs {@code -XX:MaxDirectMemorySize}
 * @param disk      persistent disk tier in bytes, 0 for none (default 0: entries do not survive a restart)
 * @param maxObject the largest body stored, in bytes (default 16m); larger answers pass through
 * @param shared    the tier shared with other instances ({@code shared="redis://..."}), or null for none
 */
public record ZoneSettings(String name, Path dir, long heap, long offHeap, long disk, long maxObject,
                           SharedSettings shared) {
    public ZoneSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dir, "dir");
    }

    /** A zone without a shared tier. */
    public ZoneSettings(String name, Path dir, long heap, long offHeap, long disk, long maxObject) {
        this(name, dir, heap, offHeap, disk, maxObject, null);
    }
}
