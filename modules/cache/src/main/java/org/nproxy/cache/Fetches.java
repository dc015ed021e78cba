package org.nproxy.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.nproxy.cache.internal.CacheKey;
import org.nproxy.cache.internal.CaptureResponse;
import org.nproxy.cache.internal.CaptureResponse.Plan;
import org.nproxy.cache.internal.Collapser;
import org.nproxy.cache.internal.Fields;
import org.nproxy.cache.internal.Forwarding;
import org.nproxy.cache.internal.Forwarding.Outcome;
import org.nproxy.cache.internal.Forwarding.Result;
import org.nproxy.cache.internal.UpstreamRequests;
import org.nproxy.cache.policy.Headers;
import org.nproxy.cache.policy.Invalidation;
import org.nproxy.cache.policy.Servability;
import org.nproxy.cache.policy.Validation;
import org.nproxy.cache.policy.Vary;
import org.nproxy.cache.store.Store;
import org.nproxy.cache.store.StoredResponse;
import org.nproxy.spi.Handlers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything of the {@link CacheHandler} that goes through its inner handler: misses (collapsed),
 * foreground revalidation, background refresh, and requests that only pass through.
 */
final class Fetches {
    private static final Logger LOG = LoggerFactory.getLogger(Fetches.class);

    private final CacheHandler handler;
    private final CacheSettings settings;
    private final Store store;
    private final Collapser collapser;

    Fetches(CacheHandler handler, CacheSettings settings, CacheZone zone) {
        this.handler = handler;
        this.settings = settings;
        this.store = zone.store();
        this.collapser = zone.collapser();
    }

    /** Not cacheable by method or by request: forward untouched, invalidate after an unsafe success (§4.4). */
    boolean passThrough(Request request, Response response, Callback callback, String key, String why) {
        CacheHandler.CACHE_STATUS.set(request, "BYPASS");
        CaptureResponse capture = new CaptureResponse(request, response, (status, headers) -> {
            headers.put("Cache-Status", "nproxy; fwd=" + why + "; fwd-status=" + status);
            return new Plan(true, null);
        });
        Outcome o = Forwarding.run(handler.getHandler(), request, capture, settings.upstreamTimeout());
        if (o.result() == Result.NOT_HANDLED) {
            return false;
        }
        if (o.result() == Result.DONE) {
            CacheKey cacheKey = handler.cacheKey();
            List<String> targets = Invalidation.targets(request.getMethod(), capture.getStatus(),
                Fields.primaryKey(request), Fields.headers(capture.getHeaders()));
            if (!targets.isEmpty()) {
                store.purge(key); // the target itself, under the location's key
            }
            for (String target : targets) {
                String k = cacheKey.ofUri(request, target);
                if (k != null && !k.equals(key)) {
                    store.purge(k);
                }
            }
        }
        finish(capture, o, response, callback);
        return true;
    }

    /**
     * A miss: one request per key goes upstream; the others stream its answer as it arrives when
     * it is storable and of their variant, else (or when its head does not come within
     * lock-timeout) go upstream on their own.
     */
    boolean miss(Request request, Response response, Callback callback, Headers clientHeaders, CacheHandler.Lookup found) {
        String fwd = found.vary() == null ? "uri-miss" : "vary-miss";
        if (!request.getMethod().equals("GET") || settings.lockTimeout().isZero()) {
            return fetch(request, request, response, callback, clientHeaders, found.key(), fwd, "MISS") != Fetched.NOT_HANDLED;
        }
        String flightKey = found.key() + "\n" + (found.variantKey() == null ? "" : found.variantKey());
        Collapser.Seat seat = collapser.board(flightKey);
        if (!seat.leader()) {
            Collapser.Tee.Head head;
            try {
                head = seat.flight().tee().awaitHead(settings.lockTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                head = null;
            }
            if (head != null && head.variantKey().equals(Vary.key(head.varyNames(), clientHeaders))) {
                follow(request, response, callback, seat.flight().tee(), head);
                return true;
            }
            boolean landed = seat.flight().stored();
            if (landed) {
                CacheHandler.Lookup again = handler.lookup(found.key(), clientHeaders);
                if (again.stored() != null) {
                    Servability.Verdict v = Servability.decide(clientHeaders, again.stored().meta().exchange(),
                        System.currentTimeMillis(), settings.policy());
                    if (v.use() == Servability.Use.FRESH && handler.serve(request, response, callback, again.stored(),
                        v.age(), "HIT", "hit; ttl=" + v.ttl() + "; detail=collapsed")) {
                        return true;
                    }
                }
            }
            return fetch(request, request, response, callback, clientHeaders, found.key(), "miss", "MISS") != Fetched.NOT_HANDLED;
        }
        Fetched fetched = Fetched.NOT_HANDLED;
        try {
            fetched = fetch(request, request, response, callback, clientHeaders, found.key(), fwd, "MISS",
                seat.flight().tee());
            return fetched != Fetched.NOT_HANDLED;
        } finally {
            collapser.land(flightKey, seat, fetched == Fetched.STORED);
        }
    }

    /** A follower sends the leader's answer as it arrives (RFC 9211 {@code collapsed}). */
    private static void follow(Request request, Response response, Callback callback, Collapser.Tee tee,
                               Collapser.Tee.Head head) {
        CacheHandler.CACHE_STATUS.set(request, "HIT");
        response.setStatus(head.status());
        HttpFields.Mutable out = response.getHeaders();
        for (HttpField f : head.fields()) {
            if (f.getHeader() == HttpHeader.DATE || f.getHeader() == HttpHeader.SERVER) {
                out.put(f);
            } else {
                out.add(f);
            }
        }
        String ours = "nproxy; fwd=" + head.fwd() + "; fwd-status=" + head.status() + "; collapsed";
        out.put("Cache-Status", head.behind() == null ? ours : ours + ", " + head.behind());
        try {
            for (int i = 0; ; i++) {
                ByteBuffer chunk = tee.next(i);
                if (chunk == null) {
                    callback.failed(new IOException("the answer this request was collapsed onto broke off"));
                    return;
                }
                if (chunk == Collapser.Tee.END) {
                    response.write(true, BufferUtil.EMPTY_BUFFER, callback);
                    return;
                }
                try (Blocker.Callback written = Blocker.callback()) {
                    response.write(false, chunk, written);
                    written.block();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    enum Fetched { NOT_HANDLED, PASSED, STORED }

    private Fetched fetch(Request clientRequest, Request upstreamRequest, Response response, Callback callback,
                          Headers clientHeaders, String key, String fwd, String label) {
        return fetch(clientRequest, upstreamRequest, response, callback, clientHeaders, key, fwd, label, null);
    }

    /**
     * Forwards, tees the answer to the client and stores it when RFC 9111 §3 allows; with a
     * flight's tee, collapsed followers get the stored form of a storable answer as it arrives.
     */
    private Fetched fetch(Request clientRequest, Request upstreamRequest, Response response, Callback callback,
                          Headers clientHeaders, String key, String fwd, String label, Collapser.Tee tee) {
        long requestTime = System.currentTimeMillis();
        Capture c = new Capture(settings, store, clientRequest, clientHeaders, requestTime, fwd, label);
        CaptureResponse capture = new CaptureResponse(upstreamRequest, response, tee == null ? c::plan
            : (status, headers) -> {
                String behind = headers.get("Cache-Status");
                Plan p = c.plan(status, headers);
                boolean share = p.capture() != null;
                Headers stored = share ? c.decision.stored().with("Cache-Status", null) : Headers.EMPTY;
                List<String> vary = Vary.names(stored);
                tee.head(new Collapser.Tee.Head(status, Fields.httpFields(stored).asImmutable(), behind, vary,
                    Vary.key(vary, clientHeaders), fwd), share, store.maxObject());
                return p;
            });
        capture.tee(tee);
        Outcome o = Forwarding.run(handler.getHandler(), upstreamRequest, capture, settings.upstreamTimeout());
        if (tee != null) {
            tee.end(o.result() == Result.DONE && capture.complete());
        }
        if (o.result() == Result.NOT_HANDLED) {
            return Fetched.NOT_HANDLED;
        }
        boolean stored = c.storeIfWhole(capture, o, key);
        if (capture.clientGone() != null && o.result() == Result.DONE) {
            callback.failed(capture.clientGone());
        } else {
            finish(capture, o, response, callback);
        }
        return stored ? Fetched.STORED : Fetched.PASSED;
    }

    /** Revalidates a stored response (§4.3): 304 freshens it, an error may be hidden (RFC 5861), else replaced. */
    boolean revalidate(Request request, Response response, Callback callback, Headers clientHeaders,
                       CacheHandler.Lookup found, Servability.Verdict verdict) {
        StoredResponse old = found.stored();
        long now = System.currentTimeMillis();
        boolean staleIfError = Servability.staleIfError(clientHeaders, old.meta().exchange(), now, settings.policy());
        HttpFields conditional = Fields.httpFields(Validation.conditional(clientHeaders, old.meta().headers()));
        Request upstreamRequest = UpstreamRequests.withHeaders(request, conditional);
        Capture c = new Capture(settings, store, request, clientHeaders, now, "stale", "EXPIRED");
        CaptureResponse capture = new CaptureResponse(upstreamRequest, response, (status, headers) -> {
            if (status == 304 || (staleIfError && Servability.isError(status))) {
                c.responseTime = System.currentTimeMillis();
                return new Plan(false, null); // held back: the client gets the stored response
            }
            return c.plan(status, headers);
        });
        Outcome o = Forwarding.run(handler.getHandler(), upstreamRequest, capture, settings.upstreamTimeout());
        if (o.result() == Result.NOT_HANDLED) {
            return false;
        }
        if (!capture.isCommitted() && o.result() == Result.FAILED) {
            if (staleIfError) {
                return handler.serve(request, response, callback, old, verdict.age(), "STALE",
                    "fwd=stale; ttl=" + verdict.ttl() + "; detail=stale-if-error");
            }
            callback.failed(o.failure());
            return true;
        }
        Plan plan = capture.plan();
        if (plan.passToClient()) {
            c.storeIfWhole(capture, o, found.key());
            finish(capture, o, response, callback);
            return true;
        }
        int status = capture.getStatus();
        Headers upstreamHeaders = Fields.headers(capture.getHeaders());
        if (status == 304 && Validation.selects(old.meta().headers(), upstreamHeaders)) {
            StoredResponse fresh = Capture.freshen(store, found, old, upstreamHeaders, now, c.responseTime);
            Servability.Verdict v = Servability.decide(clientHeaders, fresh.meta().exchange(),
                System.currentTimeMillis(), settings.policy());
            if (handler.serve(request, response, callback, fresh, v.age(), "REVALIDATED",
                "fwd=stale; fwd-status=304; ttl=" + v.ttl())) {
                return true;
            }
        } else if (status != 304 && handler.serve(request, response, callback, old, verdict.age(), "STALE",
            "fwd=stale; fwd-status=" + status + "; ttl=" + verdict.ttl() + "; detail=stale-if-error")) {
            return true;
        }
        // a 304 for another response, or the body file vanished: fetch it whole
        return fetch(request, request, response, callback, clientHeaders, found.key(), "stale", "EXPIRED") != Fetched.NOT_HANDLED;
    }

    /** RFC 5861 §3: one conditional request per stale entry, on a virtual thread, nobody waiting. */
    void refreshInBackground(Request request, Headers clientHeaders, CacheHandler.Lookup found) {
        String flightKey = "refresh\n" + found.key() + "\n" + found.variantKey();
        Collapser.Seat seat = collapser.board(flightKey);
        if (!seat.leader()) {
            return;
        }
        StoredResponse old = found.stored();
        HttpFields conditional = Fields.httpFields(Validation.conditional(clientHeaders, old.meta().headers()));
        Request detached = UpstreamRequests.detached(request, "GET", conditional);
        long requestTime = System.currentTimeMillis();
        Handlers.blockingExecutor(request.getComponents().getExecutor()).execute(() -> {
            boolean stored = false;
            try {
                Capture c = new Capture(settings, store, detached, clientHeaders, requestTime, "stale", "EXPIRED");
                CaptureResponse capture = new CaptureResponse(detached, null, (status, headers) -> {
                    c.responseTime = System.currentTimeMillis();
                    return status == 304 ? new Plan(false, null) : c.plan(status, headers);
                });
                Outcome o = Forwarding.run(handler.getHandler(), detached, capture, settings.upstreamTimeout());
                if (o.result() == Result.DONE && capture.getStatus() == 304) {
                    Headers h = Fields.headers(capture.getHeaders());
                    if (Validation.selects(old.meta().headers(), h)) {
                        Capture.freshen(store, found, old, h, requestTime, c.responseTime);
                    }
                } else {
                    stored = c.storeIfWhole(capture, o, found.key());
                }
            } catch (RuntimeException e) {
                LOG.warn("background refresh of {} failed", found.key(), e);
            } finally {
                collapser.land(flightKey, seat, stored);
            }
        });
    }

    /** Completes the client's callback after the inner handler's answer. */
    private static void finish(CaptureResponse capture, Outcome o, Response response, Callback callback) {
        if (o.result() == Result.FAILED) {
            callback.failed(o.failure());
            return;
        }
        Plan plan = capture.plan();
        if (plan.passToClient() && !capture.hasLastWrite()) {
            Handlers.endWithoutBody(response, callback);
        } else {
            callback.succeeded();
        }
    }

}
