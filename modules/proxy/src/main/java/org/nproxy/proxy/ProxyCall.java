package org.nproxy.proxy;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.RequestVariables;
import org.nproxy.upstream.balance.Member;
import org.nproxy.upstream.forward.HopByHop;
import org.nproxy.upstream.forward.InterimResponses;
import org.nproxy.upstream.forward.PeerTries;
import org.nproxy.upstream.forward.UpstreamErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied request: its attempts against peers, then the streaming of the chosen answer.
 * The handler thread sends the first attempt and returns; the upstream answer is handled on
 * the thread that read it (Jetty's client callbacks), without a hand-off back to the handler
 * thread: only non-blocking work happens there (header copying, writes with callbacks).
 */
final class ProxyCall {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyCall.class);

    final ProxyHandler handler;
    final Request clientToProxyRequest;
    final Response proxyToClientResponse;
    final Callback callback;
    final String method;
    final String pathQuery;
    final RequestBody body;
    final PeerTries tries;
    private final boolean retriable;
    private final long retryDeadline;
    /** The attempt in progress, aborted if the client goes away. */
    private volatile org.eclipse.jetty.client.Request upstream;
    volatile Throwable clientFailure;
    /**
     * The client sent {@code Expect: 100-continue} with a body: the peer's {@code 100} is relayed
     * and the body read only then (docs/proxy.md, "100 Continue").
     */
    final boolean expectsContinue;
    /** Set once the body may be read (the peer's 100, the wait over) or is given up (a final answer first). */
    private final AtomicBoolean continueDecided = new AtomicBoolean();
    /** Interim answers written to the client so far: the final answer's head goes after them. */
    private volatile CompletableFuture<Void> interims = CompletableFuture.completedFuture(null);

    ProxyCall(ProxyHandler handler, Request clientToProxyRequest, Response proxyToClientResponse, Callback callback) {
        this.handler = handler;
        this.clientToProxyRequest = clientToProxyRequest;
        this.proxyToClientResponse = proxyToClientResponse;
        this.callback = callback;
        ProxySettings settings = handler.settings;
        long startNanos = System.nanoTime();
        this.method = clientToProxyRequest.getMethod();
        this.body = UpstreamRequests.requestBody(clientToProxyRequest, settings.retryBodyMax());
        this.expectsContinue = body != null
            && clientToProxyRequest.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString())
            && clientToProxyRequest.getConnectionMetaData().getHttpVersion().getVersion() >= 11;
        this.retriable = UpstreamRequests.isIdempotent(method) || settings.retryNonIdempotent();
        this.retryDeadline = settings.retryTimeout().isZero() ? Long.MAX_VALUE
            : startNanos + settings.retryTimeout().toNanos();
        String key = handler.ipHash ? Request.getRemoteAddr(clientToProxyRequest)
            : settings.hashKey() == null ? null
            : settings.hashKey().render(n -> RequestVariables.get(clientToProxyRequest, n));
        this.tries = new PeerTries(handler.group, key, settings.tries());
        this.pathQuery = UpstreamRequests.rewrite(clientToProxyRequest, settings.rewrites());
        // While the peer thinks, the client's connection is quiet: the upstream timeouts
        // (read-timeout, timeout) decide, not the listener's idle-timeout. Reads and writes
        // on the client side still time out by themselves.
        clientToProxyRequest.addIdleTimeoutListener(t -> false);
        clientToProxyRequest.addFailureListener(this::clientFailed);
    }

    String upstreamName() {
        return handler.group.config().name();
    }

    /** The client went away (connection closed, h2/h3 stream reset): stop the upstream exchange. */
    private void clientFailed(Throwable failure) {
        if (body != null && body.failedHere()) {
            return; // our own doing: an attempt failed and took the unreplayable body with it
        }
        clientFailure = failure;
        org.eclipse.jetty.client.Request r = upstream;
        if (r != null) {
            r.abort(failure);
        }
    }

    /** The attempt's request is about to go: abort it at once if the client is already gone. */
    void sending(org.eclipse.jetty.client.Request request) {
        upstream = request;
        Throwable failure = clientFailure;
        if (failure != null) {
            request.abort(failure);
        }
    }

    /** True while an attempt should send {@code Expect: 100-continue}: the client waits and nothing was decided. */
    boolean sendExpect() {
        return expectsContinue && !continueDecided.get();
    }

    /** Decides the wait for the peer's {@code 100} once; true for the caller that decided. */
    boolean decideContinue() {
        return continueDecided.compareAndSet(false, true);
    }

    /**
     * The peer did not answer {@code 100} in time (RFC 9110 section 10.1.1: a client need not wait
     * forever): the body goes, and Jetty's server answers the client's expectation itself when the
     * body is read, as for a peer that ignores {@code Expect}.
     */
    void stopWaitingForContinue(org.eclipse.jetty.client.Request attempt) {
        if (upstream == attempt && decideContinue()) {
            LOG.debug("upstream '{}': no 100 Continue for {} {} in time, sending the body", upstreamName(), method, pathQuery);
            InterimResponses.proceed(attempt, null);
        }
    }

    /**
     * An interim answer of the peer ({@link InterimResponses}). {@code 103 Early Hints} goes on to
     * the client (HTTP/1.1 and later) with its end-to-end headers; {@code 100 Continue} goes on
     * when the client is waiting for it (then the body is read and sent: {@link InterimResponses}
     * lets it go); {@code 102} is this hop's.
     */
    void upstreamInterim(int status, HttpFields upstreamHeaders) {
        boolean relay = status == HttpStatus.CONTINUE_100
            ? expectsContinue && decideContinue()
            : status == HttpStatus.EARLY_HINTS_103 && clientToProxyRequest.getConnectionMetaData().getHttpVersion().getVersion() >= 11;
        if (!relay || proxyToClientResponse.isCommitted()) {
            return;
        }
        HttpFields.Mutable fields = HttpFields.build();
        Set<String> connectionTokens = HopByHop.connectionTokens(upstreamHeaders);
        for (HttpField f : upstreamHeaders) {
            if (!HopByHop.isHopByHop(f.getHeader()) && !connectionTokens.contains(f.getLowerCaseName())) {
                fields.add(f);
            }
        }
        interims = interims.handle((v, x) -> null)
            .thenCompose(v -> proxyToClientResponse.writeInterim(status, fields.asImmutable()));
    }

    /** Runs {@code start} once the interim answers before it are written (at once when there were none). */
    void afterInterims(Runnable start) {
        interims.whenComplete((v, x) -> start.run());
    }

    /** Starts the next attempt, or answers 502/504 when there is no peer left to try. */
    void next(Throwable lastFailure) {
        Member member = tries.next();
        if (member == null) {
            if (tries.attempts() > 0) {
                LOG.warn("upstream '{}': no peer left to try {} {} after {} attempt(s){}", upstreamName(),
                    method, pathQuery, tries.attempts(), lastFailure == null ? "" : " (last: " + lastFailure.getMessage() + ")");
            }
            fail(lastFailure, tries.attempts() == 0);
            return;
        }
        UpstreamAttempt attempt = new UpstreamAttempt(this, member, tries.attempts());
        UpstreamRequests.send(this, attempt);
    }

    /** Answers 502/504 (or fails the client's callback when the response started). */
    void fail(Throwable failure, boolean noPeer) {
        abandonBody();
        if (noPeer && failure == null) {
            LOG.warn("upstream '{}': no live peer", upstreamName());
        }
        if (proxyToClientResponse.isCommitted()) {
            callback.failed(failure != null ? failure : new IllegalStateException("no live upstream"));
            return;
        }
        UpstreamErrors.write(proxyToClientResponse, callback, UpstreamErrors.status(failure));
    }

    void abandonBody() {
        if (body != null) {
            body.abandon();
        }
    }

    /** A retry loses nothing: the method allows it, the body (if any) is kept, tries and time are left. */
    boolean mayRetry() {
        return retriable && (body == null || body.replayable()) && tries.hasNext() && System.nanoTime() - retryDeadline <= 0;
    }
}
