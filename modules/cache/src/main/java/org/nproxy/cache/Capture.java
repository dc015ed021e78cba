package org.nproxy.cache;

import java.io.IOException;
import java.util.List;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.nproxy.cache.internal.CaptureResponse;
import org.nproxy.cache.internal.CaptureResponse.Plan;
import org.nproxy.cache.internal.Fields;
import org.nproxy.cache.internal.Forwarding.Outcome;
import org.nproxy.cache.internal.Forwarding.Result;
import org.nproxy.cache.policy.Exchange;
import org.nproxy.cache.policy.Headers;
import org.nproxy.cache.policy.Storability;
import org.nproxy.cache.policy.Validation;
import org.nproxy.cache.policy.Vary;
import org.nproxy.cache.store.BodyBuffer;
import org.nproxy.cache.store.Store;
import org.nproxy.cache.store.StoredResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One answer forwarded through the inner handler: decides at its first write whether it may be
 * stored (RFC 9111 §3), sets {@code Cache-Status} and {@code $cache_status}, gives the capture a
 * body buffer, and stores the answer once it turned out whole.
 */
final class Capture {
    private static final Logger LOG = LoggerFactory.getLogger(Capture.class);

    private final CacheSettings settings;
    private final Store store;
    final Request clientRequest;
    final Headers clientHeaders;
    final long requestTime;
    final String fwd;
    final String label;
    volatile long responseTime;
    volatile Storability.Decision decision;

    Capture(CacheSettings settings, Store store, Request clientRequest, Headers clientHeaders, long requestTime,
            String fwd, String label) {
        this.settings = settings;
        this.store = store;
        this.clientRequest = clientRequest;
        this.clientHeaders = clientHeaders;
        this.requestTime = requestTime;
        this.fwd = fwd;
        this.label = label;
    }

    Plan plan(int status, HttpFields.Mutable headers) {
        responseTime = System.currentTimeMillis();
        Storability.Decision d = Storability.decide(clientRequest.getMethod(), clientHeaders, status,
            Fields.headers(headers), settings.policy());
        long length = headers.getLongField(HttpHeader.CONTENT_LENGTH);
        if (d.store() && length > store.maxObject()) {
            d = new Storability.Decision(false, "too-large", Headers.EMPTY);
        }
        BodyBuffer body = null;
        if (d.store()) {
            try {
                body = store.newBody();
            } catch (IOException e) {
                d = new Storability.Decision(false, "store-error", Headers.EMPTY);
            }
        }
        decision = d;
        // RFC 9211 §2: each cache prepends its entry to those of the caches behind it
        String behind = headers.get("Cache-Status");
        headers.put("Cache-Status", "nproxy; fwd=" + fwd + "; fwd-status=" + status
            + (d.store() ? "; stored" : "; detail=" + d.reason()) + (behind == null ? "" : ", " + behind));
        CacheHandler.CACHE_STATUS.set(clientRequest, label);
        return new Plan(true, body);
    }

    /** §4.3.4: the stored response with the 304's fields, updated in the store. */
    static StoredResponse freshen(Store store, CacheHandler.Lookup found, StoredResponse old, Headers notModified,
                                  long requestTime, long responseTime) {
        Exchange e = old.meta().exchange().withHeaders(Validation.freshen(old.meta().headers(), notModified),
            requestTime, Math.max(requestTime, responseTime));
        StoredResponse.Meta meta = new StoredResponse.Meta(e, old.meta().length());
        store.update(found.key(), found.variantKey(), meta);
        return old.withMeta(meta);
    }

    /** Puts a whole captured answer into the store, or discards what was captured. */
    boolean storeIfWhole(CaptureResponse capture, Outcome o, String key) {
        Plan plan = capture.isCommitted() ? capture.plan() : null;
        BodyBuffer body = plan == null ? null : plan.capture();
        if (body == null) {
            return false;
        }
        if (o.result() != Result.DONE || !capture.complete()) {
            body.discard();
            return false;
        }
        Headers stored = decision.stored();
        if (!stored.contains("Date")) {
            stored = stored.with("Date", Headers.formatDate(responseTime)); // RFC 9110 §6.6.1
        }
        Exchange e = new Exchange(capture.getStatus(), stored, requestTime, Math.max(requestTime, responseTime));
        List<String> vary = Vary.names(stored);
        try {
            return store.put(key, vary, Vary.key(vary, clientHeaders), new StoredResponse.Meta(e, body.length()), body);
        } catch (IOException x) {
            LOG.warn("could not store {}: {}", key, x.toString());
            body.discard();
            return false;
        }
    }
}
