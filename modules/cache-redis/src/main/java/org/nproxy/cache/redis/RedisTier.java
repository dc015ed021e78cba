package org.nproxy.cache.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ExpireArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import org.nproxy.cache.shared.SharedSettings;
import org.nproxy.cache.shared.SharedTier;
import org.nproxy.cache.store.StoredResponse;
import org.nproxy.spi.Meters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SharedTier} of one zone on Redis (one server, Sentinel or Cluster) through Lettuce.
 *
 * <p>Keys, all of one primary key in one hash slot ({@code {...}} is the Cluster hash tag):
 * {@code nproxy:ZONE:{KEY}:i} the Vary names, {@code :v} the set of variant ids,
 * {@code :e:VARIANT} an entry (headers and an inline body, or where its chunks are),
 * {@code :c:VARIANT:WRITE:N} body chunks, {@code :l} the fetch lease; {@code nproxy:ZONE:tag:TAG}
 * the set of keys carrying a tag. Invalidations go to the channel {@code nproxy:ZONE:invalidate}.
 *
 * <p>Every call is bounded by the zone's {@code shared-timeout}; failures feed the {@link Breaker};
 * the connection is made, probed and re-made in the background, so a request never waits for
 * Redis longer than one timeout, and not at all while the breaker is open.
 */
final class RedisTier implements SharedTier {
    private static final Logger LOG = LoggerFactory.getLogger(RedisTier.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    private static final String RELEASE =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    private static final Duration PURGE_BOUND = Duration.ofSeconds(10);

    /** A failed or skipped call; the caller reads it as absent. */
    private static final class Failed extends Exception {
        Failed() {
            super(null, null, false, false);
        }
    }

    private static final Failed FAILED = new Failed();

    /** The open connections. */
    private record Link(StatefulConnection<String, byte[]> data, RedisClusterAsyncCommands<String, byte[]> async,
                        StatefulRedisPubSubConnection<String, byte[]> pubsub) {
        void close() {
            try {
                pubsub.close();
            } finally {
                data.close();
            }
        }
    }

    private final String zone;
    private final SharedSettings settings;
    private final String prefix;
    private final String channel;
    private final String instance = UUID.randomUUID().toString();
    private final byte[] instanceBytes = instance.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final Breaker breaker;
    private final ScheduledExecutorService probe;
    private final ExecutorService listeners = Executors.newVirtualThreadPerTaskExecutor();
    private final Counters counters;
    private volatile Link link;
    private volatile Consumer<Invalidation> listener = i -> { };
    private volatile boolean closed;

    /** The meters of a tier, {@code nproxy_cache_shared_*} with the zone's name as a tag. */
    private record Counters(Counter hit, Counter miss, Counter rejected, Counter error, Counter skipped, Counter stored,
                            Counter storeFailed, Counter sent, Counter received, Counter leaseAcquired, Counter leaseBusy,
                            Counter changes) {
        static Counters of(Meters meters, String zone) {
            return new Counters(lookup(meters, zone, "hit"), lookup(meters, zone, "miss"), lookup(meters, zone, "rejected"),
                lookup(meters, zone, "error"), lookup(meters, zone, "skipped"), store(meters, zone, "stored"),
                store(meters, zone, "error"), invalidation(meters, zone, "sent"), invalidation(meters, zone, "received"),
                lease(meters, zone, "acquired"), lease(meters, zone, "busy"),
                meters.register(r -> Counter.builder("nproxy.cache.shared.state.changes")
                    .description("Changes of state of the shared tier (up, down) per zone").tag("zone", zone).register(r)));
        }

        private static Counter lookup(Meters m, String zone, String result) {
            return m.register(r -> Counter.builder("nproxy.cache.shared.lookups")
                .description("Look-ups in the shared tier per zone: hit, miss, rejected (corrupt or foreign value), "
                    + "error (failed or timed out), skipped (tier down)").tag("zone", zone).tag("result", result).register(r));
        }

        private static Counter store(Meters m, String zone, String result) {
            return m.register(r -> Counter.builder("nproxy.cache.shared.stores")
                .description("Responses written to the shared tier per zone").tag("zone", zone).tag("result", result)
                .register(r));
        }

        private static Counter invalidation(Meters m, String zone, String direction) {
            return m.register(r -> Counter.builder("nproxy.cache.shared.invalidations")
                .description("Purges and invalidations sent to and received from other instances per zone")
                .tag("zone", zone).tag("direction", direction).register(r));
        }

        private static Counter lease(Meters m, String zone, String result) {
            return m.register(r -> Counter.builder("nproxy.cache.shared.leases")
                .description("Fetch leases asked for per zone: acquired (this instance fetches), busy (another does)")
                .tag("zone", zone).tag("result", result).register(r));
        }
    }

    RedisTier(String zone, SharedSettings settings, Meters meters) throws java.io.IOException {
        this.zone = zone;
        this.settings = settings;
        String z = zone.replace("{", "%7B").replace("}", "%7D");
        this.prefix = "nproxy:" + z + ":";
        this.channel = "nproxy:" + z + ":invalidate";
        this.counters = Counters.of(meters, zone);
        meters.replace(r -> Gauge.builder("nproxy.cache.shared.up", this, t -> t.available() ? 1 : 0)
            .description("Whether the zone's shared tier is up (1) or down (0, circuit breaker open)")
            .tag("zone", zone).register(r));
        this.breaker = new Breaker(settings.failures(), this::changed);
        this.resources = ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1)
            .reconnectDelay(Delay.constant(settings.retry())).build();
        try {
            this.client = Target.client(settings, resources);
        } catch (java.io.IOException | RuntimeException e) {
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cache-zone-" + zone + "-shared");
            t.setDaemon(true);
            return t;
        });
        probe.execute(this::probe);
        probe.scheduleWithFixedDelay(this::probe, settings.retry().toMillis(), settings.retry().toMillis(),
            TimeUnit.MILLISECONDS);
    }

    private void changed(Breaker.Change change) {
        counters.changes().increment();
        if (change.to() == Breaker.State.UP) {
            LOG.info("cache zone '{}': shared tier {} is up ({}){}", zone, settings.uri(), change.cause(),
                change.from() == Breaker.State.DOWN ? "; using it again" : "");
        } else {
            LOG.warn("cache zone '{}': shared tier {} is down ({}); serving from the local tiers and the origin, "
                + "probing every {}", zone, settings.uri(), change.cause(), settings.retry());
        }
    }

    /** Connects when not connected; while down, checks whether Redis answers again. */
    private void probe() {
        if (closed) {
            return;
        }
        Link l = link;
        if (l == null) {
            try {
                link = connect();
                breaker.up("connected");
            } catch (RuntimeException e) {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                breaker.down("cannot connect: " + e.getMessage() + (root == e ? "" : ": " + root));
            }
            return;
        }
        if (breaker.state() != Breaker.State.UP) {
            try {
                l.async().ping().get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
                breaker.up("answers again");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // still down; Lettuce reconnects in the background
            }
        }
    }

    private Link connect() {
        StatefulConnection<String, byte[]> data;
        RedisClusterAsyncCommands<String, byte[]> async;
        StatefulRedisPubSubConnection<String, byte[]> pubsub;
        if (client instanceof RedisClusterClient cluster) {
            var c = cluster.connect(CODEC);
            data = c;
            async = c.async();
            pubsub = cluster.connectPubSub(CODEC);
        } else {
            var c = ((RedisClient) client).connect(CODEC);
            data = c;
            async = c.async();
            try {
                pubsub = ((RedisClient) client).connectPubSub(CODEC);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
        }
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String from, byte[] message) {
                if (channel.equals(from)) {
                    received(message);
                }
            }
        });
        Link l = new Link(data, async, pubsub);
        try {
            pubsub.async().subscribe(channel).get(settings.timeout().multipliedBy(20).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            l.close();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            l.close();
            throw new IllegalStateException("cannot subscribe to " + channel + ": " + e);
        }
        return l;
    }

    private void received(byte[] bytes) {
        EntryFormat.Message m = EntryFormat.message(bytes);
        if (m == null) {
            counters.rejected().increment();
            return;
        }
        if (m.sender().equals(instance)) {
            return;
        }
        listeners.execute(() -> {
            try {
                listener.accept(m.invalidation());
            } catch (RuntimeException e) {
                LOG.warn("cache zone '{}': applying an invalidation failed", zone, e);
            } finally {
                counters.received().increment(); // counted once applied to the local tiers
            }
        });
    }

    // ---- calls

    private RedisClusterAsyncCommands<String, byte[]> commands() throws Failed {
        Link l = link;
        if (l == null || !breaker.allows()) {
            counters.skipped().increment();
            throw FAILED;
        }
        return l.async();
    }

    private <T> T await(RedisFuture<T> future) throws Failed {
        return await(future, settings.timeout());
    }

    private <T> T await(Future<T> future, Duration bound) throws Failed {
        try {
            return future.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw failed("no answer within " + bound.toMillis() + "ms");
        } catch (ExecutionException e) {
            throw failed(String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FAILED;
        }
    }

    /** The last failure, for debug lines. */
    private volatile String lastFailure;

    private Failed failed(String cause) {
        lastFailure = cause;
        counters.error().increment();
        breaker.failure(cause);
        return FAILED;
    }

    // ---- keys

    private String base(String primaryKey) {
        return prefix + "{" + primaryKey + "}";
    }

    private static String variant(String variantKey) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                .digest(variantKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key of an entry, for tests that write a value by hand. */
    String entryKey(String primaryKey, String variantKey) {
        return base(primaryKey) + ":e:" + variant(variantKey);
    }

    String indexKey(String primaryKey) {
        return base(primaryKey) + ":i";
    }

    private String chunkKey(String primaryKey, String variant, String writeId, int n) {
        return base(primaryKey) + ":c:" + variant + ":" + writeId + ":" + n;
    }

    // ---- SharedTier

    @Override
    public Optional<List<String>> varyNames(String primaryKey) {
        try {
            byte[] value = await(commands().get(indexKey(primaryKey)));
            breaker.success();
            if (value == null) {
                counters.miss().increment();
                return Optional.empty();
            }
            List<String> names = EntryFormat.index(value, primaryKey);
            if (names == null) {
                reject(indexKey(primaryKey));
                return Optional.empty();
            }
            return Optional.of(names);
        } catch (Failed | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void reject(String key) {
        counters.rejected().increment();
        LOG.warn("cache zone '{}': ignored a value in the shared tier that is not a valid entry (foreign, corrupt or "
            + "of another format version) under {}", zone, key);
    }

    @Override
    public Optional<Entry> get(String primaryKey, String variantKey) {
        try {
            RedisClusterAsyncCommands<String, byte[]> redis = commands();
            String key = entryKey(primaryKey, variantKey);
            byte[] value = await(redis.get(key));
            if (value == null) {
                breaker.success();
                counters.miss().increment();
                return Optional.empty();
            }
            EntryFormat.Entry e = EntryFormat.entry(value, primaryKey, variantKey);
            if (e == null) {
                breaker.success();
                reject(key);
                return Optional.empty();
            }
            byte[] body = e.inline();
            if (e.chunked()) {
                body = chunks(redis, primaryKey, variant(variantKey), e);
                if (body == null) {
                    return Optional.empty();
                }
            }
            breaker.success();
            counters.hit().increment();
            return Optional.of(new Entry(e.meta(), body));
        } catch (Failed | RuntimeException e) {
            return Optional.empty();
        }
    }

    private byte[] chunks(RedisClusterAsyncCommands<String, byte[]> redis, String primaryKey, String variant,
                          EntryFormat.Entry e) throws Failed {
        long length = e.meta().length();
        if (e.chunks() <= 0 || e.chunks() > 100_000 || length > settings.maxObject() || length > Integer.MAX_VALUE - 16) {
            reject(entryKey(primaryKey, variant));
            return null;
        }
        String[] keys = new String[e.chunks()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = chunkKey(primaryKey, variant, e.writeId(), i);
        }
        List<KeyValue<String, byte[]>> parts = await(redis.mget(keys), scaled(length));
        byte[] body = new byte[(int) length];
        int at = 0;
        for (KeyValue<String, byte[]> kv : parts) {
            if (!kv.hasValue()) {
                counters.miss().increment(); // a chunk expired or was evicted: the entry is gone
                return null;
            }
            byte[] part = kv.getValue();
            if (at + part.length > body.length) {
                reject(kv.getKey());
                return null;
            }
            System.arraycopy(part, 0, body, at, part.length);
            at += part.length;
        }
        if (at != body.length || EntryFormat.crc(body) != e.bodyCrc()) {
            reject(keys[0]);
            return null;
        }
        return body;
    }

    /** The bound of a call moving {@code bytes}: the timeout, plus one timeout per 4 MiB. */
    private Duration scaled(long bytes) {
        return settings.timeout().multipliedBy(1 + bytes / (4 << 20));
    }

    @Override
    public void put(String primaryKey, List<String> varyNames, String variantKey, StoredResponse.Meta meta, byte[] body,
                    List<String> tags, Duration ttl) {
        if (body.length > settings.maxObject() || ttl.isZero() || ttl.isNegative()) {
            return;
        }
        try {
            RedisClusterAsyncCommands<String, byte[]> redis = commands();
            long ms = ttl.toMillis();
            String variant = variant(variantKey);
            List<RedisFuture<?>> pending = new ArrayList<>();
            byte[] value;
            if (body.length <= settings.chunk()) {
                value = EntryFormat.entry(primaryKey, variantKey, meta, body, null, 0, 0);
            } else {
                String writeId = HexFormat.of().toHexDigits(System.nanoTime() ^ Double.doubleToLongBits(Math.random()));
                int n = (body.length + settings.chunk() - 1) / settings.chunk();
                for (int i = 0; i < n; i++) {
                    int from = i * settings.chunk();
                    byte[] part = java.util.Arrays.copyOfRange(body, from, Math.min(body.length, from + settings.chunk()));
                    // chunks outlive their entry a little, so a reader never finds the entry without them
                    pending.add(redis.set(chunkKey(primaryKey, variant, writeId, i), part, SetArgs.Builder.px(ms + 5000)));
                }
                value = EntryFormat.entry(primaryKey, variantKey, meta, null, writeId, n, EntryFormat.crc(body));
            }
            // one connection, one hash slot: Redis applies these in order, so the index (what
            // look-ups and waiting instances read first) appears after its entry
            pending.add(redis.set(entryKey(primaryKey, variantKey), value, SetArgs.Builder.px(ms)));
            pending.add(redis.sadd(base(primaryKey) + ":v", variant.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            extend(redis, pending, base(primaryKey) + ":v", ms);
            pending.add(redis.set(indexKey(primaryKey), EntryFormat.index(primaryKey, varyNames), SetArgs.Builder.keepttl()));
            extend(redis, pending, indexKey(primaryKey), ms);
            for (String tag : tags) {
                String key = prefix + "tag:" + tag;
                pending.add(redis.sadd(key, primaryKey.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                extend(redis, pending, key, ms);
            }
            Duration bound = scaled(body.length);
            for (RedisFuture<?> f : pending) {
                await(f, bound);
            }
            breaker.success();
            counters.stored().increment();
        } catch (Failed | RuntimeException e) {
            counters.storeFailed().increment();
            LOG.debug("cache zone '{}': writing {} to the shared tier failed: {}", zone, primaryKey,
                e instanceof Failed ? lastFailure : e.toString());
        }
    }

    /** Makes a key live at least {@code ms} from now (set when it has no TTL, extended when shorter). */
    private static void extend(RedisClusterAsyncCommands<String, byte[]> redis, List<RedisFuture<?>> pending, String key,
                               long ms) {
        pending.add(redis.pexpire(key, ms, ExpireArgs.Builder.nx()));
        pending.add(redis.pexpire(key, ms, ExpireArgs.Builder.gt()));
    }

    @Override
    public void invalidate(Invalidation invalidation) {
        try {
            RedisClusterAsyncCommands<String, byte[]> redis = commands();
            long deadline = System.nanoTime() + PURGE_BOUND.toNanos();
            switch (invalidation.kind()) {
                case KEY -> {
                    for (String key : invalidation.values()) {
                        delete(redis, key);
                    }
                }
                case PREFIX -> {
                    for (String p : invalidation.values()) {
                        purgePrefix(redis, p, deadline);
                    }
                }
                case TAGS -> {
                    for (String tag : invalidation.values()) {
                        String key = prefix + "tag:" + tag;
                        java.util.Set<byte[]> keys = await(redis.smembers(key));
                        for (byte[] k : keys) {
                            if (System.nanoTime() > deadline) {
                                break;
                            }
                            delete(redis, new String(k, java.nio.charset.StandardCharsets.UTF_8));
                        }
                        await(redis.del(key));
                    }
                }
            }
            await(redis.publish(channel, EntryFormat.message(instance, invalidation)));
            breaker.success();
            counters.sent().increment();
        } catch (Failed | RuntimeException e) {
            LOG.warn("cache zone '{}': the {} purge of {} did not reach the shared tier ({}): other instances keep "
                + "their copies until they expire", zone, invalidation.kind().name().toLowerCase(java.util.Locale.ROOT),
                invalidation.values(), e instanceof Failed ? "it is down or did not answer" : e.toString());
        }
    }

    /** Deletes every variant of a primary key (entries, their chunks, the index). */
    private void delete(RedisClusterAsyncCommands<String, byte[]> redis, String primaryKey) throws Failed {
        String base = base(primaryKey);
        java.util.Set<byte[]> variants = await(redis.smembers(base + ":v"));
        List<String> doomed = new ArrayList<>(List.of(base + ":i", base + ":v"));
        for (byte[] v : variants) {
            String variant = new String(v, java.nio.charset.StandardCharsets.UTF_8);
            String entryKey = base + ":e:" + variant;
            doomed.add(entryKey);
            byte[] value = await(redis.get(entryKey));
            EntryFormat.Entry e = value == null ? null : peek(value);
            if (e != null && e.chunked()) {
                for (int i = 0; i < e.chunks() && i < 100_000; i++) {
                    doomed.add(chunkKey(primaryKey, variant, e.writeId(), i));
                }
            }
        }
        await(redis.del(doomed.toArray(String[]::new)));
    }

    /** An entry's chunk layout without checking its key (it is deleted either way). */
    private static EntryFormat.Entry peek(byte[] value) {
        try {
            java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(value, 14,
                value.length - 14));
            String pk = new String(in.readNBytes(in.readInt()), java.nio.charset.StandardCharsets.UTF_8);
            String vk = new String(in.readNBytes(in.readInt()), java.nio.charset.StandardCharsets.UTF_8);
            return EntryFormat.entry(value, pk, vk);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private void purgePrefix(RedisClusterAsyncCommands<String, byte[]> redis, String keyPrefix, long deadline)
        throws Failed {
        String head = prefix + "{";
        ScanArgs args = ScanArgs.Builder.matches(glob(head + keyPrefix) + "*:i").limit(500);
        KeyScanCursor<String> cursor = await(redis.scan(args), settings.timeout().multipliedBy(10));
        while (true) {
            for (String key : cursor.getKeys()) {
                if (key.startsWith(head) && key.endsWith("}:i")) {
                    delete(redis, key.substring(head.length(), key.length() - 3));
                }
            }
            if (cursor.isFinished() || System.nanoTime() > deadline) {
                return;
            }
            // the cursor itself, not a copy: on a Cluster it also says which node is being scanned
            cursor = await(redis.scan(cursor, args), settings.timeout().multipliedBy(10));
        }
    }

    private static String glob(String literal) {
        StringBuilder b = new StringBuilder(literal.length() + 8);
        for (char c : literal.toCharArray()) {
            if ("*?[]\\".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    @Override
    public void subscribe(Consumer<Invalidation> listener) {
        this.listener = java.util.Objects.requireNonNull(listener, "listener");
    }

    @Override
    public Lease tryLease(String primaryKey, Duration ttl) {
        try {
            String ok = await(commands().set(base(primaryKey) + ":l", instanceBytes, SetArgs.Builder.nx().px(ttl.toMillis())));
            breaker.success();
            if (ok != null) {
                counters.leaseAcquired().increment();
                return Lease.ACQUIRED;
            }
            counters.leaseBusy().increment();
            return Lease.BUSY;
        } catch (Failed | RuntimeException e) {
            return Lease.UNAVAILABLE;
        }
    }

    @Override
    public boolean leased(String primaryKey) {
        try {
            Long n = await(commands().exists(base(primaryKey) + ":l"));
            breaker.success();
            return n != null && n > 0;
        } catch (Failed | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void release(String primaryKey) {
        try {
            RedisFuture<Long> f = commands().eval(RELEASE, ScriptOutputType.INTEGER, new String[] {base(primaryKey) + ":l"},
                instanceBytes);
            await(f);
            breaker.success();
        } catch (Failed | RuntimeException e) {
            // the lease expires by itself
        }
    }

    @Override
    public boolean available() {
        return link != null && breaker.allows();
    }

    @Override
    public long maxObject() {
        return settings.maxObject();
    }

    /** This tier's breaker state (for tests). */
    Breaker.State state() {
        return breaker.state();
    }

    @Override
    public void close() {
        closed = true;
        probe.shutdownNow();
        listeners.shutdown();
        Link l = link;
        link = null;
        try {
            if (l != null) {
                l.close();
            }
        } catch (RuntimeException e) {
            LOG.debug("closing the shared tier of zone '{}'", zone, e);
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            LOG.info("cache zone '{}': shared tier {} closed", zone, settings.uri());
        }
    }
}
