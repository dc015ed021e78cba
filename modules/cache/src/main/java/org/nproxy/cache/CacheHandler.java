package org.nproxy.cache;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.cache.internal.AddressBlock;
import org.nproxy.cache.internal.ByteRange;
import org.nproxy.cache.internal.CacheKey;
import org.nproxy.cache.internal.Fields;
import org.nproxy.cache.internal.HitForm;
import org.nproxy.cache.internal.StoredSender;
import org.nproxy.cache.policy.Headers;
import org.nproxy.cache.policy.Servability;
import org.nproxy.cache.policy.Validation;
import org.nproxy.cache.policy.Vary;
import org.nproxy.cache.store.CacheTags;
import org.nproxy.cache.store.Store;
import org.nproxy.cache.store.StoredResponse;
import org.nproxy.spi.Handlers;
import org.nproxy.spi.RequestKey;

/**
 * The {@code <cache>} handler: answers from its zone what RFC 9111 allows, and sends the rest to
 * its inner handler (the proxy), storing what may be stored. Every answer carries
 * {@code Cache-Status} (RFC 9211) and sets {@link #CACHE_STATUS} for the access log.
 *
 * <p>Threads: declared {@link InvocationType#NON_BLOCKING}, so that a {@code <cache>} before a
 * non-blocking handler (a {@code <proxy>}) runs on the thread that parsed the request. A hit whose
 * entry and body are already in memory ({@link Store#peek}: decoded, the body inline or its file
 * mapped) is answered there, with one non-blocking write ({@link #hitFromMemory}); everything
 * else (misses, collapsing waits, lower tiers, body files read, revalidation, PURGE, the shared
 * tier) is blocking code handed to a virtual thread ({@link Handlers#blockingExecutor}), as the
 * Dispatcher hands a blocking chain. When the rest of the chain is blocking, the Dispatcher has
 * already handed the whole chain to a virtual thread and this handler runs there without a
 * further hop.
 *
 * <p>Order of decisions: PURGE (never forwarded); other methods pass through and invalidate on
 * success (§4.4); {@code no-store} requests bypass; then the stored variant, if any, is fresh (hit),
 * acceptable stale (max-stale, stale-while-revalidate with one background refresh) or revalidated
 * with a conditional request; a miss goes upstream, collapsed with concurrent misses of the key.
 */
public final class CacheHandler extends Handler.Wrapper {
    /** {@code $cache_status}: HIT, MISS, STALE, UPDATING, REVALIDATED, EXPIRED or BYPASS. */
    public static final RequestKey<String> CACHE_STATUS = RequestKey.of("cache_status", String.class);

    /** What a look-up found: the Vary names of the key (null: nothing stored), the variant key, the response. */
    record Lookup(String key, List<String> vary, String variantKey, StoredResponse stored) {
    }

    private final CacheSettings settings;
    private final Store store;
    private final List<AddressBlock> purgeFrom;
    private final Fetches fetches;
    private final CacheKey cacheKey;
    /** Requests by cache status, or null (a handler made without meters). */
    private final CacheMeters meters;
    /**
     * Whether {@link #handle} may be called on the parsing thread, so that what may block is
     * handed to a virtual thread: the rest of the chain declares NON_BLOCKING (else the chain is
     * blocking and the Dispatcher already runs it on a virtual thread). Set at start.
     */
    private volatile boolean mayRunInPlace = true;

    public CacheHandler(CacheSettings settings, CacheZone zone) {
        this(settings, zone, null);
    }

    CacheHandler(CacheSettings settings, CacheZone zone, CacheMeters meters) {
        this.meters = meters;
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
        java.util.Objects.requireNonNull(zone, "zone");
        this.store = zone.store();
        this.purgeFrom = settings.purgeFrom().stream().map(AddressBlock::parse).toList();
        this.cacheKey = CacheKey.of(settings.key());
        this.fetches = new Fetches(this, settings, zone);
    }

    /** Declared here, not taken from the inner handler: see {@link #handle}. */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    protected void doStart() throws Exception {
        Handler inner = getHandler();
        mayRunInPlace = inner == null || inner.getInvocationType() == InvocationType.NON_BLOCKING;
        super.doStart();
    }

    /**
     * A hit from memory in place; anything else on a virtual thread (or right here when the
     * Dispatcher already gave the chain one, see {@link #mayRunInPlace}).
     */
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!mayRunInPlace) {
            return answer(request, response, callback);
        }
        if (hitFromMemory(request, response, callback)) {
            return true;
        }
        Executor blocking = Handlers.blockingExecutor(request.getComponents().getExecutor());
        blocking.execute(() -> {
            try {
                if (!answer(request, response, callback)) {
                    // as the Dispatcher does when a chain takes nothing: this handler wraps the rest of it
                    Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
                }
            } catch (Throwable t) {
                callback.failed(t); // Jetty answers 500 if nothing was sent yet
            }
        });
        return true;
    }

    /**
     * Answers a hit whose stored response and body are in memory, without blocking: fresh,
     * stale within max-stale, or stale-while-revalidate (the refresh itself runs on a virtual
     * thread); whole, HEAD, 304, one range or 416. False, with nothing touched, for anything else
     * (not GET or HEAD, bypass, not decoded in memory, a body file not mapped yet, revalidation,
     * several ranges), which {@link #answer} then handles as before.
     */
    private boolean hitFromMemory(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return false;
        }
        Headers clientHeaders = Fields.headers(request.getHeaders());
        if (Servability.bypass(clientHeaders)) {
            return false;
        }
        String key = cacheKey.of(request);
        Store.Peeked peeked = store.peek(key, names -> Vary.key(names, clientHeaders));
        if (peeked == null) {
            return false;
        }
        StoredResponse stored = peeked.stored();
        HitForm form = HitForm.of(stored);
        if (!StoredSender.inMemory(form, stored)) {
            return false; // its file is read: may block
        }
        Servability.Verdict v = Servability.decide(clientHeaders, form.policy(settings.policy().targeted()),
            System.currentTimeMillis(), settings.policy());
        String status;
        String cacheStatus;
        switch (v.use()) {
            case FRESH -> {
                status = "HIT";
                cacheStatus = "nproxy; hit; ttl=" + v.ttl();
            }
            case STALE_ACCEPTED -> {
                status = "STALE";
                cacheStatus = "nproxy; hit; ttl=" + v.ttl() + "; detail=max-stale";
            }
            case STALE_WHILE_REVALIDATE -> {
                status = "UPDATING";
                cacheStatus = "nproxy; hit; ttl=" + v.ttl() + "; detail=stale-while-revalidate";
            }
            default -> {
                return false;
            }
        }
        Answer answer = Answer.of(request, clientHeaders, stored);
        if (answer.ranges() != null && answer.ranges().size() > 1) {
            return false; // multipart/byteranges: written part by part, waiting for each
        }
        if (meters != null) {
            callback = meters.counting(request, callback);
        }
        if (v.use() == Servability.Use.STALE_WHILE_REVALIDATE) {
            fetches.refreshInBackground(request, clientHeaders,
                new Lookup(key, peeked.varyNames(), peeked.variantKey(), stored));
        }
        CACHE_STATUS.set(request, status);
        StoredSender.send(form, stored, null, method.equals("HEAD"), answer.notModified(), answer.ranges(), v.age(),
            cacheStatus, response, callback);
        return true;
    }

    /** Today's blocking code: on a virtual thread, or wherever the chain runs when it is blocking. */
    private boolean answer(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        if (method.equals("PURGE")) {
            purge(request, response, callback);
            return true;
        }
        if (meters != null) {
            callback = meters.counting(request, callback);
        }
        Headers clientHeaders = Fields.headers(request.getHeaders());
        String key = cacheKey.of(request);
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return fetches.passThrough(request, response, callback, key, "method");
        }
        if (Servability.bypass(clientHeaders)) {
            return fetches.passThrough(request, response, callback, key, "request");
        }
        Lookup found = lookup(key, clientHeaders);
        if (found.stored() != null) {
            HitForm form = HitForm.of(found.stored());
            Servability.Verdict v = Servability.decide(clientHeaders, form.policy(settings.policy().targeted()), System.currentTimeMillis(),
                settings.policy());
            boolean served = switch (v.use()) {
                case FRESH -> serve(request, response, callback, clientHeaders, found.stored(), v.age(), "HIT",
                    "nproxy; hit; ttl=" + v.ttl());
                case STALE_ACCEPTED -> serve(request, response, callback, clientHeaders, found.stored(), v.age(), "STALE",
                    "nproxy; hit; ttl=" + v.ttl() + "; detail=max-stale");
                case STALE_WHILE_REVALIDATE -> {
                    fetches.refreshInBackground(request, clientHeaders, found);
                    yield serve(request, response, callback, clientHeaders, found.stored(), v.age(), "UPDATING",
                        "nproxy; hit; ttl=" + v.ttl() + "; detail=stale-while-revalidate");
                }
                case REVALIDATE -> {
                    if (Servability.onlyIfCached(clientHeaders)) {
                        yield gatewayTimeout(request, response, callback);
                    }
                    yield fetches.revalidate(request, response, callback, clientHeaders, found, v);
                }
            };
            if (served) {
                return true;
            }
        }
        if (Servability.onlyIfCached(clientHeaders)) {
            return gatewayTimeout(request, response, callback);
        }
        return fetches.miss(request, response, callback, clientHeaders, found);
    }

    /** The location's primary key (its {@code key} template, or the default). */
    CacheKey cacheKey() {
        return cacheKey;
    }

    /** The stored variant for a request, if any (RFC 9111 §4.1). */
    Lookup lookup(String key, Headers clientHeaders) {
        Optional<List<String>> vary = store.varyNames(key);
        if (vary.isEmpty()) {
            return new Lookup(key, null, null, null);
        }
        String variantKey = Vary.key(vary.get(), clientHeaders);
        return new Lookup(key, vary.get(), variantKey, store.get(key, variantKey).orElse(null));
    }

    /**
     * Answers from a stored response; false (nothing written) when its body file is gone.
     *
     * @param age the response's current age in seconds
     */
    boolean serve(Request request, Response response, Callback callback, StoredResponse stored, long age,
                  String status, String cacheStatus) {
        return serve(request, response, callback, Fields.headers(request.getHeaders()), stored, age, status,
            "nproxy; " + cacheStatus);
    }

    /** As above, with the request's fields already read and the whole Cache-Status entry. */
    private boolean serve(Request request, Response response, Callback callback, Headers clientHeaders,
                          StoredResponse stored, long age, String status, String cacheStatus) {
        HitForm form = HitForm.of(stored);
        FileChannel file = StoredSender.open(form, stored);
        if (StoredSender.missing(form, stored, file)) {
            return false;
        }
        Answer answer = Answer.of(request, clientHeaders, stored);
        CACHE_STATUS.set(request, status);
        StoredSender.send(form, stored, file, request.getMethod().equals("HEAD"), answer.notModified(), answer.ranges(),
            age, cacheStatus, response, callback);
        return true;
    }

    /**
     * The form of an answer from a stored response: 304 when the client's own preconditions
     * match, the ranges asked for (null for the whole body, see {@link ByteRange#parse}).
     */
    private record Answer(boolean notModified, List<ByteRange> ranges) {
        static Answer of(Request request, Headers clientHeaders, StoredResponse stored) {
            String method = request.getMethod();
            HttpFields requestFields = request.getHeaders();
            boolean conditional = requestFields.contains(HttpHeader.IF_NONE_MATCH)
                || requestFields.contains(HttpHeader.IF_MODIFIED_SINCE);
            boolean notModified = conditional && Validation.clientNotModified(method, clientHeaders,
                stored.meta().status(), stored.meta().headers());
            List<ByteRange> ranges = notModified || stored.meta().status() != 200 || !method.equals("GET")
                || !requestFields.contains(HttpHeader.RANGE) ? null
                : ByteRange.parse(clientHeaders, stored.meta().headers(), stored.meta().length());
            return new Answer(notModified, ranges);
        }
    }

    private boolean gatewayTimeout(Request request, Response response, Callback callback) {
        CACHE_STATUS.set(request, "MISS");
        StoredSender.plain(response, 504, "not in the cache (only-if-cached)\n", "nproxy; fwd=miss; detail=only-if-cached",
            callback);
        return true;
    }

    /** PURGE of a URL, a prefix ({@code /path*}) or tags (a Cache-Tag or Surrogate-Key request field). */
    private void purge(Request request, Response response, Callback callback) {
        SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
        InetAddress address = remote instanceof InetSocketAddress isa ? isa.getAddress() : null;
        if (address == null || purgeFrom.stream().noneMatch(b -> b.contains(address))) {
            StoredSender.plain(response, 403, "PURGE is not allowed from this address\n",
                "nproxy; detail=purge-refused", callback);
            return;
        }
        Headers clientHeaders = Fields.headers(request.getHeaders());
        List<String> tags = CacheTags.of(clientHeaders);
        String key = cacheKey.of(request);
        int removed;
        if (!tags.isEmpty()) {
            removed = store.purgeTags(tags);
        } else if (key.endsWith("*")) {
            removed = store.purgePrefix(key.substring(0, key.length() - 1));
        } else {
            removed = store.purge(key);
        }
        StoredSender.plain(response, removed > 0 ? 200 : 404, "purged " + removed + "\n", "nproxy; detail=purged",
            callback);
    }
}
