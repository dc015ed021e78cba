package org.nproxy.cache.shared;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.nproxy.cache.policy.CacheControl;
import org.nproxy.cache.policy.Exchange;
import org.nproxy.cache.policy.Freshness;
import org.nproxy.cache.policy.Vary;
import org.nproxy.cache.store.BodyBuffer;
import org.nproxy.cache.store.CacheTags;
import org.nproxy.cache.store.Store;
import org.nproxy.cache.store.StoredResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A zone's local {@link Store} over a {@link SharedTier}: local miss, then the shared tier, then
 * (through the handler) the origin. What the shared tier gives is copied into the local tiers;
 * what is stored locally is written to the shared tier in the background, with a TTL no later
 * than its freshness plus its stale windows allow; purges and invalidations go to the shared tier
 * and, through it, to every instance. When nobody has a key, the first instance to miss takes
 * the key's lease and fetches; the others wait (bounded) for its entry.
 *
 * <p>The handler and the policy see the plain {@link Store} interface; RFC 9111 decisions are made
 * after the read, on the stored request and response times, so {@code Age} is right on every
 * instance (given synchronised clocks).
 */
public final class TieredStore implements Store {
    private static final Logger LOG = LoggerFactory.getLogger(TieredStore.class);
    private static final long POLL_MS = 15;

    private final String zone;
    private final Store local;
    private final SharedTier shared;
    private final SharedSettings settings;
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    /** Primary keys whose lease this instance holds. */
    private final ConcurrentHashMap<String, Boolean> leases = new ConcurrentHashMap<>();

    public TieredStore(String zone, Store local, SharedTier shared, SharedSettings settings) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.local = Objects.requireNonNull(local, "local");
        this.shared = Objects.requireNonNull(shared, "shared");
        this.settings = Objects.requireNonNull(settings, "settings");
        shared.subscribe(this::applyRemote);
    }

    /** The shared tier (for tests and status). */
    public SharedTier shared() {
        return shared;
    }

    @Override
    public Optional<List<String>> varyNames(String primaryKey) {
        Optional<List<String>> names = local.varyNames(primaryKey);
        if (names.isPresent()) {
            return names;
        }
        names = shared.varyNames(primaryKey);
        return names.isPresent() ? names : collapse(primaryKey, () -> shared.varyNames(primaryKey));
    }

    /**
     * Nobody has the key: take its lease and let the caller fetch, or wait (at most the lease
     * time) for the instance that holds it, looking again every few milliseconds. After taking
     * the lease it looks once more, so that an entry written just before is not fetched again.
     */
    private <T> Optional<T> collapse(String primaryKey, Supplier<Optional<T>> look) {
        if (settings.lease().isZero() || leases.containsKey(primaryKey)) {
            return Optional.empty();
        }
        switch (shared.tryLease(primaryKey, settings.lease())) {
            case ACQUIRED -> {
                leases.put(primaryKey, Boolean.TRUE);
                Optional<T> again = look.get();
                if (again.isPresent()) {
                    releaseLease(primaryKey);
                }
                return again;
            }
            case BUSY -> {
                long deadline = System.nanoTime() + settings.lease().toNanos();
                while (System.nanoTime() < deadline && shared.available()) {
                    try {
                        Thread.sleep(POLL_MS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    Optional<T> found = look.get();
                    if (found.isPresent()) {
                        return found;
                    }
                    if (!shared.leased(primaryKey)) {
                        return look.get(); // written just before the release, or the holder gave up or died
                    }
                }
                return Optional.empty();
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    @Override
    public Optional<StoredResponse> get(String primaryKey, String variantKey) {
        Optional<StoredResponse> found = local.get(primaryKey, variantKey);
        if (found.isPresent() && !staleHere(found.get())) {
            return found;
        }
        Optional<SharedTier.Entry> entry = shared.get(primaryKey, variantKey);
        if (found.isPresent()) {
            // stale here: another instance may have refreshed it (a revalidation, a background refresh)
            if (entry.isEmpty() || entry.get().meta().exchange().responseTime() <= found.get().meta().exchange().responseTime()) {
                return found;
            }
            return Optional.of(copy(primaryKey, variantKey, entry.get()));
        }
        if (entry.isEmpty()) {
            entry = collapse(primaryKey, () -> shared.get(primaryKey, variantKey));
        }
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(copy(primaryKey, variantKey, entry.get()));
    }

    /** The local tiers' memory only; a copy stale here dispatches, so {@link #get} may look for a fresher shared one. */
    @Override
    public Peeked peek(String primaryKey, java.util.function.Function<List<String>, String> variantOf) {
        Peeked p = local.peek(primaryKey, variantOf);
        return p == null || staleHere(p.stored()) ? null : p;
    }

    /** Whether a local copy has outlived its explicit freshness lifetime (then a fresher shared one is worth a look). */
    private static boolean staleHere(StoredResponse stored) {
        Exchange e = stored.meta().exchange();
        OptionalLong lifetime = Freshness.explicitLifetime(e.headers());
        return lifetime.isPresent() && Freshness.currentAge(e, System.currentTimeMillis()) >= lifetime.getAsLong();
    }

    /** Copies a shared entry into the local tiers; the copy (or the entry itself when it does not fit there). */
    private StoredResponse copy(String primaryKey, String variantKey, SharedTier.Entry entry) {
        StoredResponse.Meta meta = entry.meta();
        byte[] body = entry.body();
        try {
            BodyBuffer buffer = local.newBody();
            buffer.append(ByteBuffer.wrap(body));
            if (local.put(primaryKey, Vary.names(meta.headers()), variantKey, meta, buffer)) {
                Optional<StoredResponse> copied = local.get(primaryKey, variantKey);
                if (copied.isPresent()) {
                    return copied.get();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cache zone '{}': no local copy of {}: {}", zone, primaryKey, e.toString());
        }
        return StoredResponse.inline(meta, body);
    }

    @Override
    public BodyBuffer newBody() throws IOException {
        return local.newBody();
    }

    @Override
    public boolean put(String primaryKey, List<String> varyNames, String variantKey, StoredResponse.Meta meta,
                       BodyBuffer body) throws IOException {
        boolean stored = false;
        try {
            stored = local.put(primaryKey, varyNames, variantKey, meta, body);
        } finally {
            if (stored) {
                background.execute(() -> share(primaryKey, varyNames, variantKey, true));
            } else {
                releaseLease(primaryKey);
            }
        }
        return stored;
    }

    @Override
    public void update(String primaryKey, String variantKey, StoredResponse.Meta meta) {
        local.update(primaryKey, variantKey, meta);
        background.execute(() -> share(primaryKey, Vary.names(meta.headers()), variantKey, false));
    }

    /** Writes the local copy of a variant to the shared tier, then gives up the key's lease. */
    private void share(String primaryKey, List<String> varyNames, String variantKey, boolean release) {
        try {
            StoredResponse stored = local.get(primaryKey, variantKey).orElse(null);
            if (stored == null || stored.meta().length() > shared.maxObject() || !shared.available()) {
                return;
            }
            Duration ttl = ttl(stored.meta().exchange(), System.currentTimeMillis());
            if (ttl.isZero()) {
                return;
            }
            byte[] body = stored.inFile() ? read(stored) : stored.inlineBody();
            if (body != null) {
                shared.put(primaryKey, varyNames, variantKey, stored.meta(), body, CacheTags.of(stored.meta().headers()),
                    ttl);
            }
        } catch (RuntimeException e) {
            LOG.warn("cache zone '{}': writing {} to the shared tier failed: {}", zone, primaryKey, e.toString());
        } finally {
            if (release) {
                releaseLease(primaryKey);
            }
        }
    }

    private static byte[] read(StoredResponse stored) {
        try (FileChannel file = stored.openFile()) {
            long length = file.size();
            if (length > Integer.MAX_VALUE - 16) {
                return null;
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) length);
            while (bytes.hasRemaining() && file.read(bytes) >= 0) {
                // read it all
            }
            return bytes.hasRemaining() ? null : bytes.array();
        } catch (IOException e) {
            return null; // evicted meanwhile
        }
    }

    /**
     * How long the shared copy may live: its freshness lifetime plus its longest stale window
     * (RFC 5861; none when stale is forbidden, §4.2.4) minus its current age; zero when that
     * time has passed. Without an explicit lifetime, a heuristic of 10% since Last-Modified, at
     * most a day (the handler decides freshness on read with its own policy, within this bound).
     */
    static Duration ttl(Exchange e, long now) {
        CacheControl cc = Freshness.directives(e.headers());
        OptionalLong explicit = Freshness.explicitLifetime(e.headers());
        long lifetime = explicit.isPresent() ? explicit.getAsLong()
            : Freshness.lifetime(e, new org.nproxy.cache.policy.PolicyOptions(0.1, 86_400, 0));
        boolean staleForbidden = cc.has("must-revalidate") || cc.has("proxy-revalidate") || cc.has("s-maxage")
            || (cc.has("no-cache") && cc.value("no-cache").isEmpty());
        long stale = staleForbidden ? 0 : Math.max(cc.seconds("stale-while-revalidate").orElse(0),
            cc.seconds("stale-if-error").orElse(0));
        long seconds = lifetime + stale - Freshness.currentAge(e, now);
        return seconds <= 0 ? Duration.ZERO : Duration.ofSeconds(seconds);
    }

    /**
     * The local collapser's flight for a key ended: without a stored answer (not storable,
     * failed) the lease goes at once, so that the other instances stop waiting.
     */
    public void landed(String flightKey, boolean stored) {
        if (stored || leases.isEmpty()) {
            return;
        }
        int nl = flightKey.indexOf('\n');
        String primaryKey = nl < 0 ? flightKey : flightKey.substring(0, nl);
        if (leases.containsKey(primaryKey)) {
            releaseLease(primaryKey);
        }
    }

    private void releaseLease(String primaryKey) {
        if (leases.remove(primaryKey) != null) {
            shared.release(primaryKey);
        }
    }

    @Override
    public int purge(String primaryKey) {
        int n = local.purge(primaryKey);
        send(new SharedTier.Invalidation(SharedTier.Kind.KEY, List.of(primaryKey)));
        return n;
    }

    @Override
    public int purgePrefix(String prefix) {
        int n = local.purgePrefix(prefix);
        send(new SharedTier.Invalidation(SharedTier.Kind.PREFIX, List.of(prefix)));
        return n;
    }

    @Override
    public int purgeTags(List<String> tags) {
        int n = local.purgeTags(tags);
        send(new SharedTier.Invalidation(SharedTier.Kind.TAGS, tags));
        return n;
    }

    private void send(SharedTier.Invalidation invalidation) {
        background.execute(() -> shared.invalidate(invalidation));
    }

    /** An invalidation from another instance: only the local tiers (the sender cleared the shared one). */
    private void applyRemote(SharedTier.Invalidation invalidation) {
        switch (invalidation.kind()) {
            case KEY -> invalidation.values().forEach(local::purge);
            case PREFIX -> invalidation.values().forEach(local::purgePrefix);
            case TAGS -> local.purgeTags(invalidation.values());
        }
    }

    @Override
    public long maxObject() {
        return local.maxObject();
    }

    @Override
    public void close() {
        background.shutdown();
        try {
            background.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            shared.close();
        } finally {
            local.close();
        }
    }
}
