package org.nproxy.cache.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheEventListenerConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.EntryUnit;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.core.internal.statistics.DefaultStatisticsService;
import org.ehcache.core.spi.service.StatisticsService;
import org.ehcache.core.statistics.TierStatistics;
import org.ehcache.event.CacheEventListener;
import org.ehcache.event.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Store} on Ehcache 3: entries and variant indexes as {@code byte[]} values in one
 * cache of up to three tiers (heap in entries, off-heap, persistent disk), bodies up to the inline
 * limit inside the entry, larger ones as files under {@code dir/bodies} that the entry names.
 * Files of entries that leave the cache (evicted, removed, replaced) are deleted by a listener.
 *
 * <p>The disk tier writes its index only on {@link #close()}; after a crash Ehcache starts empty
 * and {@link StoreSweeper} deletes the body files nobody names any more.
 *
 * <p>One process owns a zone directory at a time ({@link ZoneLock}). A store opened while another
 * process owns it (the new process of {@code nproxy.sh upgrade}, the old one draining) serves
 * from its heap and off-heap tiers, leaves the directory's files alone, and takes the directory
 * over in the background once the owner exits: it opens the disk tier the owner left and moves
 * the entries gathered in memory into it ({@link #tryTakeOver}).
 *
 * <p>Hits: the heap tier hands out the very {@code byte[]} it holds, so what was decoded from a
 * value is remembered with it ({@link Decoded}) and reused while Ehcache returns the same array:
 * a heap hit decodes nothing and copies nothing (the inline body is a view of the value). Values
 * from the off-heap and disk tiers are fresh copies and are decoded each time.
 */
public final class EhcacheStore implements Store {
    private static final Logger LOG = LoggerFactory.getLogger(EhcacheStore.class);

    /** Zone directories with an open store in this JVM, and how many. */
    private static final java.util.concurrent.ConcurrentHashMap<Path, Integer> OPEN = new java.util.concurrent.ConcurrentHashMap<>();

    /** How often a store that does not own its directory tries to take it over. */
    static final long TAKE_OVER_RETRY_MILLIS = 1000;

    /** Decoded values by Ehcache key: reused while the cache returns the identical array, and what {@link #peek} reads. */
    private final DecodedValues decoded;

    private final StoreLayout layout;
    // Replaced once, when a store that started on its memory tiers takes over the disk tier
    // (under every key lock); a reader uses the one it read.
    private volatile CacheManager manager;
    private volatile Cache<String, byte[]> cache;
    private volatile StatisticsService statistics; // the manager's, replaced with it
    private final Object[] locks = new Object[64];
    private volatile boolean owner;
    private volatile boolean closed;
    private Thread takeOver; // guarded by this

    private EhcacheStore(StoreLayout layout, DecodedValues decoded, CacheManager manager, StatisticsService statistics,
                         boolean owner) {
        this.layout = layout;
        this.decoded = decoded;
        this.manager = manager;
        this.statistics = statistics;
        this.cache = manager.getCache("responses", String.class, byte[].class);
        this.owner = owner;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    /**
     * Opens (and, with a disk tier, reloads) the store of one zone. When another process owns the
     * directory (an upgrade's old process still draining), the store starts on its memory tiers
     * and takes over the directory, disk tier included, once that process lets it go.
     */
    public static EhcacheStore open(StoreLayout layout) throws IOException {
        Files.createDirectories(layout.bodies());
        boolean alone = OPEN.merge(layout.dir(), 1, Integer::sum) == 1;
        boolean owner = false;
        try {
            owner = ZoneLock.tryAcquire(layout.dir());
            EhcacheStore store;
            // as many as the heap tier holds (index and entry keys), plus slack for values just read
            // from a lower tier; past it, some are forgotten (they are decoded again on their next hit)
            DecodedValues decoded = new DecodedValues((int) Math.min(1 << 20, layout.heapEntries() + 256));
            if (owner) {
                if (alone) {
                    StoreSweeper.clearTemp(layout.temp());
                    StoreSweeper.deleteOtherIndexes(layout);
                }
                StatisticsService stats = new DefaultStatisticsService();
                CacheManager manager = persistentOrNull(layout, stats, decoded);
                if (manager != null) {
                    store = new EhcacheStore(layout, decoded, manager, stats, true);
                } else { // a store of this JVM holds the disk tier (a reload resizing the zone)
                    StatisticsService memoryStats = new DefaultStatisticsService();
                    store = new EhcacheStore(layout, decoded, build(layout, false, memoryStats, decoded), memoryStats,
                        false);
                }
            } else {
                StatisticsService stats = new DefaultStatisticsService();
                store = new EhcacheStore(layout, decoded, build(layout, false, stats, decoded), stats, false);
            }
            if (store.owner) {
                if (alone) {
                    StoreSweeper.sweepLater(layout, store::referencedFiles);
                }
            } else {
                if (owner) {
                    ZoneLock.release(layout.dir());
                    owner = false;
                }
                LOG.warn("cache zone {}: the directory is in use by another process (an upgrade's old process draining?);"
                    + " serving from the memory tiers until it is released, then taking over {}", layout.dir(),
                    layout.diskBytes() > 0 ? "the disk tier" : "the directory");
                store.takeOverLater();
            }
            return store;
        } catch (IOException | RuntimeException e) {
            if (owner) {
                ZoneLock.release(layout.dir());
            }
            OPEN.merge(layout.dir(), -1, (a, b) -> a + b == 0 ? null : a + b);
            throw e;
        }
    }

    /** The full store (with the disk tier if configured), or null when the disk tier is locked. */
    private static CacheManager persistentOrNull(StoreLayout layout, StatisticsService stats, DecodedValues decoded) {
        try {
            return build(layout, true, stats, decoded);
        } catch (RuntimeException e) {
            if (lockedIn(e)) {
                return null;
            }
            throw e;
        }
    }

    /** Ehcache says "Persistence directory already locked by this/another process". */
    private static boolean lockedIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("already locked")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Ehcache with the zone's tiers; {@code withDisk} false leaves the disk tier out. Entries
     * that leave the last tier lose their body file and are forgotten by {@code decoded}.
     */
    private static CacheManager build(StoreLayout layout, boolean withDisk, StatisticsService stats,
                                      DecodedValues decoded) {
        ResourcePoolsBuilder pools = ResourcePoolsBuilder.newResourcePoolsBuilder().heap(layout.heapEntries(), EntryUnit.ENTRIES);
        if (layout.offHeapBytes() > 0) {
            pools = pools.offheap(layout.offHeapBytes() >> 10, MemoryUnit.KB);
        }
        boolean persistent = withDisk && layout.diskBytes() > 0;
        if (persistent) {
            pools = pools.disk(layout.diskBytes() >> 10, MemoryUnit.KB, true);
        }
        BodyFileDeleter deleter = new BodyFileDeleter(layout);
        CacheEventListener<String, byte[]> listener = event -> {
            if (event.getType() == EventType.EVICTED || event.getType() == EventType.EXPIRED) {
                decoded.forget(event.getKey());
            }
            deleter.onEvent(event);
        };
        CacheConfigurationBuilder<String, byte[]> config =
            CacheConfigurationBuilder.newCacheConfigurationBuilder(String.class, byte[].class, pools)
                .withService(CacheEventListenerConfigurationBuilder
                    .newEventListenerConfiguration(listener, EventType.EVICTED, EventType.EXPIRED, EventType.REMOVED,
                        EventType.UPDATED)
                    .unordered().asynchronous());
        return persistent
            ? CacheManagerBuilder.newCacheManagerBuilder().using(stats)
                .with(CacheManagerBuilder.persistence(layout.index().toFile()))
                .withCache("responses", config).build(true)
            : CacheManagerBuilder.newCacheManagerBuilder().using(stats).withCache("responses", config).build(true);
    }

    /**
     * Ehcache's statistics of each tier ({@code OnHeap}, {@code OffHeap}, {@code Disk}): entries,
     * bytes occupied (off-heap and disk; the heap tier is sized in entries and says -1), evictions.
     */
    public Map<String, TierStatistics> tierStatistics() {
        return statistics.getCacheStatistics("responses").getTierStatistics();
    }

    /** The bytes of the body files under the zone's directory (bodies above the inline limit). */
    public long bodyFileBytes() {
        long total = 0;
        try (var files = Files.walk(layout.bodies(), 2)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                try {
                    if (Files.isRegularFile(f)) {
                        total += Files.size(f);
                    }
                } catch (IOException gone) {
                    // deleted meanwhile
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
        return total;
    }

    /** True when this store owns its directory (and has its disk tier, if it has one). */
    boolean ownsDirectory() {
        return owner;
    }

    /** Tries every {@link #TAKE_OVER_RETRY_MILLIS} to take the directory over, until it does or closes. */
    private synchronized void takeOverLater() {
        takeOver = Thread.ofVirtual().name("cache-take-over").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(TAKE_OVER_RETRY_MILLIS);
                    if (!closed && tryTakeOver()) {
                        return;
                    }
                } catch (InterruptedException e) {
                    return; // closed
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cache zone {}: taking over the directory failed, trying again: {}", layout.dir(), e.toString());
                }
            }
        });
    }

    /**
     * Owns the directory now: opens the disk tier (with the entries the previous owner left),
     * copies what the memory tiers gathered into it under every key lock (so no put, update or
     * purge runs in between, and a reader sees one store or the other, each with whole entries),
     * swaps, then closes the memory-only store (closing deletes no body file: they are named by
     * the entries copied).
     */
    private boolean tryTakeOver() throws IOException {
        synchronized (this) {
            if (closed || !ZoneLock.tryAcquire(layout.dir())) {
                return false;
            }
        }
        CacheManager full;
        StatisticsService fullStats = new DefaultStatisticsService();
        try {
            full = layout.diskBytes() > 0 ? persistentOrNull(layout, fullStats, decoded) : null;
        } catch (RuntimeException e) {
            ZoneLock.release(layout.dir());
            throw e;
        }
        if (layout.diskBytes() > 0 && full == null) {
            ZoneLock.release(layout.dir()); // another store of this JVM still holds the disk tier
            return false;
        }
        int[] moved = new int[1];
        CacheManager previous;
        synchronized (this) {
            if (closed) {
                if (full != null) {
                    full.close();
                }
                ZoneLock.release(layout.dir());
                return true;
            }
            previous = manager;
            if (full != null) {
                Cache<String, byte[]> next = full.getCache("responses", String.class, byte[].class);
                underEveryLock(0, () -> {
                    moved[0] = copyInto(cache, next);
                    cache = next;
                    manager = full;
                    statistics = fullStats;
                    decoded.forgetAll(); // indexes were merged with the disk tier's
                });
            }
            owner = true;
        }
        if (full != null) {
            previous.close();
        }
        LOG.info("cache zone {}: the other process let the directory go; took it over{}", layout.dir(),
            full != null ? " with its disk tier (" + moved[0] + " entries moved in from memory)" : "");
        StoreSweeper.sweepLater(layout, this::referencedFiles);
        return true;
    }

    private void underEveryLock(int i, Runnable action) {
        if (i == locks.length) {
            action.run();
            return;
        }
        synchronized (locks[i]) {
            underEveryLock(i + 1, action);
        }
    }

    /**
     * Copies the memory store's entries over the disk tier's (ours are newer); a variant index
     * in both with the same Vary names keeps the variants of both.
     */
    private static int copyInto(Cache<String, byte[]> from, Cache<String, byte[]> to) {
        int n = 0;
        for (Cache.Entry<String, byte[]> e : from) {
            byte[] value = e.getValue();
            if (e.getKey().startsWith("v\n")) {
                byte[] there = to.get(e.getKey());
                EntryCodec.Index ours = EntryCodec.index(value);
                EntryCodec.Index theirs = there == null ? null : EntryCodec.index(there);
                if (ours != null && theirs != null && theirs.varyNames().equals(ours.varyNames())) {
                    Set<String> variants = new LinkedHashSet<>(theirs.variants());
                    variants.addAll(ours.variants());
                    value = EntryCodec.index(new EntryCodec.Index(ours.varyNames(), variants));
                }
            }
            to.put(e.getKey(), value);
            n++;
        }
        return n;
    }

    @Override
    public Optional<List<String>> varyNames(String primaryKey) {
        Object head = head(cache, primaryKey);
        if (head instanceof EntryCodec.Index index) {
            return Optional.of(index.varyNames());
        }
        return head == null ? Optional.empty() : Optional.of(List.of());
    }

    /**
     * The stored response of a variant. Without Vary (variant key "") the entry is folded into the
     * primary key's own Ehcache key, so a hit is one look-up (and, after {@link #varyNames}, the
     * same value again from the heap tier, already decoded); with Vary it has a key of its own.
     */
    @Override
    public Optional<StoredResponse> get(String primaryKey, String variantKey) {
        Cache<String, byte[]> cache = this.cache; // one store, also across a take-over
        String key = variantKey.isEmpty() ? indexKey(primaryKey) : entryKey(primaryKey, variantKey);
        long stamp = decoded.stamp(key);
        byte[] value = cache.get(key);
        if (value == null) {
            return Optional.empty();
        }
        Object decodedValue = decode(key, stamp, value, variantKey.isEmpty() ? this::decodeHead : this::decodeEntry);
        if (decodedValue instanceof EntryCodec.Index && variantKey.isEmpty()) {
            // an index without Vary names: the layout before entries were folded in (a disk tier
            // written by an older version); its entry has a key of its own
            key = entryKey(primaryKey, variantKey);
            stamp = decoded.stamp(key);
            value = cache.get(key);
            if (value == null) {
                return Optional.empty();
            }
            decodedValue = decode(key, stamp, value, this::decodeEntry);
        }
        if (decodedValue == GONE) {
            cache.remove(key, value); // only this value: a replacement may have landed meanwhile
            decoded.forget(key);
            return Optional.empty();
        }
        if (!(decodedValue instanceof StoredResponse r)) {
            return Optional.empty();
        }
        return Optional.of(r);
    }

    /**
     * A hit from {@link DecodedValues} alone: the primary key's decoded head (its one entry, or its
     * variant index and then the decoded entry of the request's variant). Nothing of Ehcache is read.
     */
    @Override
    public Peeked peek(String primaryKey, java.util.function.Function<List<String>, String> variantOf) {
        DecodedValues.Decoded head = decoded.get(indexKey(primaryKey));
        if (head == null) {
            return null;
        }
        if (head.result() instanceof StoredResponse r) {
            return new Peeked(List.of(), "", r);
        }
        if (!(head.result() instanceof EntryCodec.Index index) || index.varyNames().isEmpty()) {
            return null; // GONE, or an index of the layout before entries were folded in
        }
        String variantKey = variantOf.apply(index.varyNames());
        if (variantKey.isEmpty() || !index.variants().contains(variantKey)) {
            return null;
        }
        DecodedValues.Decoded entry = decoded.get(entryKey(primaryKey, variantKey));
        return entry != null && entry.result() instanceof StoredResponse r
            ? new Peeked(index.varyNames(), variantKey, r) : null;
    }

    /** What the primary key's own Ehcache key holds: its variant index, or its one entry (no Vary). */
    private Object head(Cache<String, byte[]> cache, String primaryKey) {
        String key = indexKey(primaryKey);
        long stamp = decoded.stamp(key);
        byte[] value = cache.get(key);
        return value == null ? null : decode(key, stamp, value, this::decodeHead);
    }

    private Object decodeHead(byte[] value) {
        EntryCodec.Index index = EntryCodec.index(value);
        return index != null ? index : decodeEntry(value);
    }

    /**
     * A decoded entry, or {@link #GONE} when its body file is missing. A body file goes only with
     * its entry (eviction, purge, replacement), so the file is checked when a value is decoded,
     * not on every hit of a remembered one; a file lost in a crash or deleted by hand reads as a miss.
     */
    private Object decodeEntry(byte[] value) {
        EntryCodec.Entry e = EntryCodec.entry(value);
        if (e == null) {
            return null;
        }
        if (e.file() == null) {
            return new StoredResponse(e.meta(), e.inline(), null);
        }
        Path file = layout.dir().resolve(e.file());
        return Files.isRegularFile(file) ? new StoredResponse(e.meta(), null, file) : GONE;
    }

    /** What a value decodes to when the body file it names is missing. */
    private static final Object GONE = new Object();

    /**
     * What {@code decoder} makes of a value, remembered while the cache returns the same array
     * (and no write came after {@code stamp}, taken before the value was read).
     */
    @SuppressWarnings("unchecked")
    private <T> T decode(String key, long stamp, byte[] value, java.util.function.Function<byte[], T> decoder) {
        DecodedValues.Decoded d = decoded.get(key);
        if (d != null && d.value() == value) {
            return (T) d.result();
        }
        T result = decoder.apply(value);
        if (result != null) {
            decoded.remember(key, stamp, value, result);
        }
        return result;
    }

    @Override
    public BodyBuffer newBody() {
        return new BodyBuffer(layout.inlineLimit(), layout.maxObject(), layout.temp());
    }

    @Override
    public boolean put(String primaryKey, List<String> varyNames, String variantKey, StoredResponse.Meta meta,
                       BodyBuffer body) throws IOException {
        try (body) {
            if (body.tooLarge()) {
                return false;
            }
            String file = null;
            byte[] value;
            if (body.inFile()) {
                Path temp = body.finishFile();
                file = layout.newBodyName(UUID.randomUUID());
                Path target = layout.dir().resolve(file);
                Files.createDirectories(target.getParent());
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                value = EntryCodec.entry(meta, (byte[]) null, file);
            } else {
                value = EntryCodec.entry(meta, body.bytes(), null);
            }
            if (value.length > layout.valueCap()) {
                deleteQuietly(file);
                return false; // Ehcache would silently drop it and empty a tier
            }
            synchronized (lock(primaryKey)) {
                Object head = head(cache, primaryKey);
                EntryCodec.Index old = head instanceof EntryCodec.Index index ? index : null;
                if (varyNames.isEmpty()) {
                    // folded: the entry takes the primary key's own key (replacing an index, or an
                    // entry whose file the listener then deletes)
                    if (old != null) {
                        old.variants().forEach(v -> removeKey(entryKey(primaryKey, v)));
                    }
                    putKey(indexKey(primaryKey), value);
                    rememberWritten(indexKey(primaryKey), value, this::decodeHead);
                    return true;
                }
                Set<String> variants = new LinkedHashSet<>();
                if (old != null && old.varyNames().equals(varyNames)) {
                    variants.addAll(old.variants()); // a changed Vary makes the old variants unreachable
                } else if (old != null) {
                    old.variants().forEach(v -> removeKey(entryKey(primaryKey, v)));
                } // a folded entry (no Vary before) is replaced by the index below
                variants.add(variantKey);
                byte[] index = EntryCodec.index(new EntryCodec.Index(varyNames, variants));
                if (index.length > layout.valueCap()) {
                    deleteQuietly(file);
                    return false;
                }
                putKey(entryKey(primaryKey, variantKey), value);
                putKey(indexKey(primaryKey), index);
                rememberWritten(entryKey(primaryKey, variantKey), value, this::decodeEntry);
                rememberWritten(indexKey(primaryKey), index, this::decodeHead);
            }
            return true;
        } catch (UncheckedIOException e) {
            return false; // a header too long to encode: not stored
        }
    }

    @Override
    public void update(String primaryKey, String variantKey, StoredResponse.Meta meta) {
        // Under the key's lock, not with Ehcache's replace(k, old, new): that compares byte[] values
        // by identity, which fails for every copy read from off-heap or disk.
        synchronized (lock(primaryKey)) {
            String key = entryKey(primaryKey, variantKey);
            byte[] value = null;
            if (variantKey.isEmpty()) { // folded, unless written by an older version
                value = cache.get(indexKey(primaryKey));
                if (value != null && EntryCodec.entry(value) != null) {
                    key = indexKey(primaryKey);
                } else {
                    value = null;
                }
            }
            if (value == null) {
                value = cache.get(key);
            }
            EntryCodec.Entry e = value == null ? null : EntryCodec.entry(value);
            if (e != null) {
                byte[] updated = EntryCodec.entry(new StoredResponse.Meta(meta.exchange(), e.meta().length()), e.inline(),
                    e.file());
                if (updated.length <= layout.valueCap()) {
                    putKey(key, updated);
                }
            }
        }
    }

    @Override
    public int purge(String primaryKey) {
        synchronized (lock(primaryKey)) {
            Object head = head(cache, primaryKey);
            if (head instanceof StoredResponse || head == GONE) {
                removeKey(indexKey(primaryKey));
                return 1;
            }
            if (!(head instanceof EntryCodec.Index index)) {
                return 0;
            }
            int n = 0;
            for (String v : index.variants()) {
                if (cache.containsKey(entryKey(primaryKey, v))) {
                    n++;
                }
                removeKey(entryKey(primaryKey, v));
            }
            removeKey(indexKey(primaryKey));
            return n;
        }
    }

    @Override
    public int purgePrefix(String prefix) {
        List<String> primaries = new ArrayList<>();
        for (Cache.Entry<String, byte[]> e : cache) {
            if (e.getKey().startsWith("v\n" + prefix)) {
                primaries.add(e.getKey().substring(2));
            }
        }
        return primaries.stream().mapToInt(this::purge).sum();
    }

    @Override
    public int purgeTags(List<String> tags) {
        List<String> doomed = new ArrayList<>();
        for (Cache.Entry<String, byte[]> e : cache) {
            EntryCodec.Entry entry = EntryCodec.entry(e.getValue()); // null for an index
            if (entry != null && CacheTags.of(entry.meta().headers()).stream().anyMatch(tags::contains)) {
                doomed.add(e.getKey());
            }
        }
        doomed.forEach(this::removeKey);
        return doomed.size();
    }

    @Override
    public long maxObject() {
        return layout.maxObject();
    }

    /** Closes Ehcache, which writes the disk tier's index: the entries survive a restart. */
    @Override
    public void close() {
        Thread retry;
        synchronized (this) {
            closed = true;
            retry = takeOver;
        }
        if (retry != null) {
            retry.interrupt();
        }
        try {
            manager.close();
        } catch (RuntimeException e) {
            LOG.warn("closing the cache store in {} failed", layout.dir(), e);
        } finally {
            if (owner) {
                ZoneLock.release(layout.dir()); // after the disk tier wrote its index
            }
            OPEN.merge(layout.dir(), -1, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    /** Body file names every entry refers to, for the sweeper. */
    Set<String> referencedFiles() {
        Set<String> names = new java.util.HashSet<>();
        for (Cache.Entry<String, byte[]> e : cache) {
            EntryCodec.Entry entry = EntryCodec.entry(e.getValue()); // null for an index
            if (entry != null && entry.file() != null) {
                names.add(entry.file());
            }
        }
        return names;
    }

    /** Every write goes through here or {@link #removeKey}: Ehcache first, then what was decoded from the old value. */
    private void putKey(String key, byte[] value) {
        cache.put(key, value);
        decoded.forget(key);
    }

    /**
     * Decodes a value just written (under its key's lock), so that the first hit after a store is
     * answered from memory too. The heap tier holds the very array written.
     */
    private void rememberWritten(String key, byte[] value, java.util.function.Function<byte[], Object> decoder) {
        long stamp = decoded.stamp(key);
        Object result = decoder.apply(value);
        if (result != null) {
            decoded.remember(key, stamp, value, result);
        }
    }

    private void removeKey(String key) {
        cache.remove(key);
        decoded.forget(key);
    }

    private Object lock(String primaryKey) {
        return locks[Math.floorMod(primaryKey.hashCode(), locks.length)];
    }

    private void deleteQuietly(String file) {
        if (file != null) {
            BodyFileDeleter.delete(layout.dir().resolve(file));
        }
    }

    static String entryKey(String primaryKey, String variantKey) {
        return "e\n" + primaryKey + "\n" + variantKey;
    }

    static String indexKey(String primaryKey) {
        return "v\n" + primaryKey;
    }
}
