package org.nproxy.proxy;

import java.nio.ByteBuffer;
import java.util.Locale;

import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.nproxy.spi.Units;
import org.nproxy.upstream.balance.Member;
import org.nproxy.upstream.forward.InterimResponses;
import org.nproxy.upstream.forward.UpstreamErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt against one peer. Keeps the peer's in-flight count and latency average right
 * whatever happens, and decides between streaming the answer, retrying, and 502/504.
 */
final class UpstreamAttempt implements org.eclipse.jetty.client.Response.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamAttempt.class);

    final ProxyCall call;
    final Member member;
    final int number;
    final SendReadTimeouts timeouts;
    private final long startNanos = System.nanoTime();
    private Content.Source upstreamBody;
    private boolean streaming;
    private boolean retrying;
    /** Set when the peer answered finally before a 100: the held body is given up once the answer is in. */
    private volatile ContinueNotAsked bodyNotAsked;

    UpstreamAttempt(ProxyCall call, Member member, int number) {
        this.call = call;
        this.member = member;
        this.number = number;
        long send = call.handler.sendMillis;
        long read = call.handler.readMillis;
        // One idle timeout does when it is the same in every phase and no body can keep the peer waiting.
        this.timeouts = call.body == null && send == read ? null : new SendReadTimeouts(send, read);
        member.state().begin();
    }

    /** Marks an upstream answer given up on (a fail status) so that the call moves on. */
    private static final class RetryElsewhere extends Exception {
        RetryElsewhere(int status) {
            super("status " + status + ", retrying elsewhere", null, false, false);
        }
    }

    /** The peer answered finally without asking for the body of an {@code Expect: 100-continue} request. */
    private static final class ContinueNotAsked extends Exception {
        ContinueNotAsked(int status) {
            super("status " + status + " before 100 Continue: request body not sent", null, false, false);
        }
    }

    /** Counts a failure against the peer (passive health); true when that takes it out. */
    private boolean blame(Throwable failure) {
        return call.tries.failed(member, failure, true);
    }

    @Override
    public void onHeaders(org.eclipse.jetty.client.Response response) {
        if (timeouts != null) {
            timeouts.answered();
        }
        member.state().observe(System.nanoTime() - startNanos);
        int status = response.getStatus();
        if (call.expectsContinue && response.getRequest().getHeaders().contains(HttpHeader.EXPECT) && call.decideContinue()) {
            // A final answer before any 100: the body is not sent (the client, not told to go on,
            // need not send it either). Jetty's client is told once the answer is in (onSuccess):
            // failing the request earlier would fail the answer with it.
            call.abandonBody();
            bodyNotAsked = new ContinueNotAsked(status);
        }
        if (call.handler.settings.failStatuses().contains(status)) {
            RetryElsewhere retry = new RetryElsewhere(status);
            blame(retry);
            if (call.mayRetry() && call.tries.anotherPeer()) {
                LOG.warn("upstream '{}' peer {} answered {} to {} {}; trying the next peer", call.upstreamName(),
                    member.address(), status, call.method, call.pathQuery);
                retrying = true;
                response.abort(retry);
            }
        } else {
            member.state().succeed();
        }
    }

    @Override
    public void onContentSource(org.eclipse.jetty.client.Response response, Content.Source upstreamBody) {
        if (retrying) {
            return;
        }
        streaming = true;
        this.upstreamBody = upstreamBody;
        if (call.body != null) {
            call.body.stopKeeping();
        }
        call.afterInterims(() -> ProxyToClient.start(this, response, upstreamBody));
    }

    @Override
    public void onSuccess(org.eclipse.jetty.client.Response response) {
        ContinueNotAsked notAsked = bodyNotAsked;
        if (notAsked != null) {
            // The exchange ends with this request failure and the connection is closed, not reused.
            InterimResponses.proceed(response.getRequest(), notAsked);
        }
    }

    @Override
    public void onComplete(Result result) {
        if (timeouts != null) {
            timeouts.over();
        }
        member.state().end();
        if (streaming) {
            // The body copy completes or fails the client's callback. Jetty 12.0.30 fails the
            // answer's content source without waking a pending demand: wake it, or the copy
            // (and the client) would wait for a body that is not coming.
            if (result.getResponseFailure() != null && upstreamBody != null) {
                upstreamBody.fail(result.getResponseFailure());
            }
            return;
        }
        if (retrying) {
            call.next(result.getFailure()); // the RetryElsewhere naming the status given up on
            return;
        }
        if (result.isSucceeded() || result.getResponseFailure() == null && result.getRequestFailure() == bodyNotAsked) {
            // An answer without a content source (not seen with HTTP/1.1, kept for safety).
            streaming = true;
            call.afterInterims(() -> ProxyToClient.start(this, result.getResponse(), Content.Source.from(ByteBuffer.allocate(0))));
            return;
        }
        Throwable failure = result.getFailure();
        Throwable clientFailure = call.clientFailure;
        if (clientFailure == null && call.body != null) {
            clientFailure = call.body.clientReadFailure();
        }
        if (clientFailure != null) {
            clientFailed(clientFailure);
            return;
        }
        if (UpstreamErrors.isRequestHeadTooLarge(failure)) {
            headTooLarge(failure);
            return;
        }
        if (UpstreamErrors.isUnreadableTransferCoding(failure)) {
            // Another peer would answer the same way; and the peer is not at fault (docs/proxy.md).
            call.tries.failed(member, failure, false);
            LOG.warn("upstream '{}' peer {} answered {} {} with a Transfer-Encoding not ending in chunked, which"
                + " Nproxy cannot read (Jetty 12.0.30); 502, the peer is not blamed", call.upstreamName(),
                member.address(), call.method, call.pathQuery);
            call.abandonBody();
            if (call.proxyToClientResponse.isCommitted()) {
                call.callback.failed(failure);
            } else {
                UpstreamErrors.write(call.proxyToClientResponse, call.callback, HttpStatus.BAD_GATEWAY_502,
                    "the upstream answer uses a transfer coding this proxy cannot read");
            }
            return;
        }
        boolean out = blame(failure);
        LOG.warn("upstream '{}' peer {} failed on {} {} (attempt {}): {}{}", call.upstreamName(),
            member.address(), call.method, call.pathQuery, number, reason(failure),
            out ? "; peer out for " + Units.format(member.config().failTimeout()) : "");
        if (call.mayRetry()) {
            call.next(failure);
        } else {
            call.fail(failure, false);
        }
    }

    /**
     * The answer's transfer codings put {@code chunked} before another one: valid (read to the
     * close, RFC 9112 section 6.3), but Nproxy can neither frame it again for an HTTP/1.1 client
     * (chunked twice) nor decode it. 502 to the client, the peer not blamed, nothing retried, the
     * upstream connection closed.
     */
    void unrelayable(org.eclipse.jetty.client.Response upstreamToProxyResponse, java.util.List<String> codings) {
        IllegalStateException failure = new IllegalStateException("Transfer-Encoding " + String.join(", ", codings)
            + ": chunked before another coding");
        LOG.warn("upstream '{}' peer {} answered {} {} with Transfer-Encoding: {} (chunked before another coding),"
            + " which Nproxy cannot pass on; 502, the peer is not blamed", call.upstreamName(), member.address(),
            call.method, call.pathQuery, String.join(", ", codings));
        call.abandonBody();
        upstreamToProxyResponse.abort(failure);
        UpstreamErrors.write(call.proxyToClientResponse, call.callback, HttpStatus.BAD_GATEWAY_502,
            "the upstream answer uses transfer codings this proxy cannot pass on");
    }

    /** The proxy could not send the client's head: 431 to the client, the peer not blamed, nothing retried. */
    private void headTooLarge(Throwable failure) {
        call.tries.failed(member, failure, false);
        int max = call.handler.group.config().pool().maxHeaderSize();
        LOG.warn("upstream '{}': the request head of {} {} is larger than max-header-size ({} bytes) of the upstream; 431"
            + " to the client (raise max-header-size on <upstream name=\"{}\"> to forward it)", call.upstreamName(),
            call.method, call.pathQuery, max, call.upstreamName());
        call.abandonBody();
        if (call.proxyToClientResponse.isCommitted()) {
            call.callback.failed(failure);
        } else {
            UpstreamErrors.write(call.proxyToClientResponse, call.callback, HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431,
                "the request headers are larger than this proxy forwards (" + max + " bytes)");
        }
    }

    /** Not the peer's fault: no failure counted, nothing retried. */
    private void clientFailed(Throwable clientFailure) {
        LOG.debug("client failed, upstream '{}' peer {} exchange for {} {} aborted", call.upstreamName(),
            member.address(), call.method, call.pathQuery, clientFailure);
        call.abandonBody();
        if (UpstreamErrors.isTimeout(clientFailure) && !call.proxyToClientResponse.isCommitted()) {
            // nginx's answer to a client that stops sending its body (client_body_timeout)
            Response.writeError(call.clientToProxyRequest, call.proxyToClientResponse, call.callback,
                HttpStatus.REQUEST_TIMEOUT_408);
        } else {
            call.callback.failed(clientFailure);
        }
    }

    /** What went wrong, naming send-timeout when the peer stopped taking the request. */
    String reason(Throwable t) {
        String m = t.getMessage() == null ? "" : " " + t.getMessage().toLowerCase(Locale.ROOT);
        if (!UpstreamErrors.isTimeout(t)) {
            return t.getClass().getSimpleName() + m;
        }
        if (timeouts != null && timeouts.sending() && m.contains("idle timeout")) {
            return "send-timeout " + Units.format(call.handler.settings.sendTimeout())
                + ", the peer took no more of the request: " + t.getClass().getSimpleName() + m;
        }
        return "timeout: " + t.getClass().getSimpleName() + m;
    }
}
