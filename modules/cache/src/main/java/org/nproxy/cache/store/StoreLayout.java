package org.nproxy.cache.store;

import java.nio.file.Path;
import java.util.UUID;

/**
 * Where a zone's store keeps things and the sizes derived from its settings, in one place.
 *
 * <ul>
 *   <li>{@code dir/index-SIZES}: Ehcache's disk tier; {@code dir/bodies/xx/*.body}: bodies too large to
 *       be inline; {@code dir/tmp}: bodies being captured (emptied at open).</li>
 *   <li>Value cap: Ehcache silently drops a value too large for a tier and empties that tier, so
 *       every value is kept below 1/64 of the smallest byte tier (and at most 1 MiB).</li>
 *   <li>Inline limit: bodies up to 32 KiB (and half the value cap) live inside the entry; DESIGN.md
 *       measured file reads as cheaper than off-heap/disk gets above that. With a disk tier, only
 *       bodies up to 2 KiB: the others are files whose memory tier is the page cache (as nginx's),
 *       so that entries stay small, the heap tier holds six times as many of them and a hit of a
 *       body that Ehcache would have read from its disk tier is read from a mapped file instead.</li>
 *   <li>Heap entries: the heap tier counts entries (byte sizing needs an agent), so the heap size
 *       is divided by the largest inline entry: the heap never holds more than it was given.</li>
 * </ul>
 */
public record StoreLayout(Path dir, long heapBytes, long offHeapBytes, long diskBytes, long maxObject) {
    static final int INLINE_MAX = 32 * 1024;
    /** The inline limit of a zone with a disk tier. */
    static final int DISK_INLINE_MAX = 2 * 1024;
    private static final long CAP_MAX = 1 << 20;

    /**
     * Ehcache's disk tier, one directory per set of tier sizes: a reload that resizes the zone
     * opens the new store while the old one still serves (and holds its directory's lock).
     */
    public Path index() {
        return dir.resolve("index-" + Long.toHexString(heapBytes) + "-" + Long.toHexString(offHeapBytes) + "-"
            + Long.toHexString(diskBytes));
    }

    public Path bodies() {
        return dir.resolve("bodies");
    }

    public Path temp() {
        return dir.resolve("tmp");
    }

    /** The largest encoded value put into Ehcache. */
    public long valueCap() {
        long smallest = Long.MAX_VALUE;
        if (offHeapBytes > 0) {
            smallest = offHeapBytes;
        }
        if (diskBytes > 0) {
            smallest = Math.min(smallest, diskBytes);
        }
        return smallest == Long.MAX_VALUE ? CAP_MAX : Math.max(4096, Math.min(CAP_MAX, smallest / 64));
    }

    /** Bodies up to this many bytes are stored inside their entry. */
    public int inlineLimit() {
        return (int) Math.min(diskBytes > 0 ? DISK_INLINE_MAX : INLINE_MAX, valueCap() / 2);
    }

    /** Heap tier size in entries. */
    public long heapEntries() {
        return Math.max(16, heapBytes / (inlineLimit() + 4096));
    }

    /** A fresh body file name, relative to {@link #dir()}. */
    String newBodyName(UUID id) {
        String s = id.toString();
        return "bodies/" + s.substring(0, 2) + "/" + s + ".body";
    }
}
