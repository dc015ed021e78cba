package org.nproxy.proxy;

import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.Trailers;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.Units;
import org.nproxy.upstream.balance.Member;
import org.nproxy.upstream.UpstreamGroup;
import org.nproxy.spi.RequestVariables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code <proxy>} handler: picks a peer, sends the client's request to it over a pooled
 * connection, and streams the answer back, trailers included. The handler thread sends the first
 * attempt and returns; the answer is handled in Jetty's client callbacks, where a failed attempt
 * is retried or turned into a 502/504, or the body is copied chunk by chunk with back-pressure
 * both ways.
 */
final class ProxyHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);
    private static final String VIA = "1.1 nproxy";

    private final ProxySettings settings;
    private final UpstreamGroup group;
    private final boolean ipHash;
    private final int maxTries;
    private final long sendMillis;
    private final long readMillis;

    ProxyHandler(ProxySettings settings, UpstreamGroup group) {
        // handle() only builds and sends the upstream request (Jetty's client does not block on
        // it); answers arrive through callbacks. The selector may run it in place.
        super(InvocationType.NON_BLOCKING);
        this.settings = settings;
        this.group = group;
        this.ipHash = group.config().balance().equals("ip_hash");
        this.maxTries = settings.tries() > 0 ? settings.tries() : group.config().peers().size();
        this.sendMillis = settings.sendTimeout().toMillis();
        this.readMillis = settings.readTimeout().toMillis();
    }

    @Override
    public boolean handle(Request clientToProxyRequest, Response proxyToClientResponse, Callback callback) {
        new Call(clientToProxyRequest, proxyToClientResponse, callback).next(null);
        return true;
    }

    /**
     * One proxied request: its attempts against peers, then the streaming of the chosen answer.
     * The handler thread sends the first attempt and returns; the upstream answer is handled on
     * the thread that read it (Jetty's client callbacks), without a hand-off back to the handler
     * thread: only non-blocking work happens there (header copying, writes with callbacks).
     */
    private final class Call {
        private final Request clientToProxyRequest;
        private final Response proxyToClientResponse;
        private final Callback callback;
        private final String method;
        private final String pathQuery;
        private final String key;
        private final RequestBody body;
        private final boolean retriable;
        private final long retryDeadline;
        private final List<Member> tried = new ArrayList<>(2);
        /** The attempt in progress, aborted if the client goes away. */
        private volatile org.eclipse.jetty.client.Request upstream;
        private volatile Throwable clientFailure;

        Call(Request clientToProxyRequest, Response proxyToClientResponse, Callback callback) {
            this.clientToProxyRequest = clientToProxyRequest;
            this.proxyToClientResponse = proxyToClientResponse;
            this.callback = callback;
            long startNanos = System.nanoTime();
            this.method = clientToProxyRequest.getMethod();
            this.body = requestBody(clientToProxyRequest);
            this.retriable = isIdempotent(method) || settings.retryNonIdempotent();
            this.retryDeadline = settings.retryTimeout().isZero() ? Long.MAX_VALUE
                : startNanos + settings.retryTimeout().toNanos();
            this.key = ipHash ? Request.getRemoteAddr(clientToProxyRequest)
                : settings.hashKey() == null ? null
                : settings.hashKey().render(n -> RequestVariables.get(clientToProxyRequest, n));
            this.pathQuery = rewrite(clientToProxyRequest);
            // While the peer thinks, the client's connection is quiet: the upstream timeouts
            // (read-timeout, timeout) decide, not the listener's idle-timeout. Reads and writes
            // on the client side still time out by themselves.
            clientToProxyRequest.addIdleTimeoutListener(t -> false);
            clientToProxyRequest.addFailureListener(this::clientFailed);
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

        void sending(org.eclipse.jetty.client.Request request) {
            upstream = request;
            Throwable failure = clientFailure;
            if (failure != null) {
                request.abort(failure);
            }
        }

        /** Starts the next attempt, or answers 502/504 when there is no peer left to try. */
        void next(Throwable lastFailure) {
            Member member = tried.size() < maxTries ? group.pick(key, tried) : null;
            if (member == null) {
                if (!tried.isEmpty()) {
                    LOG.warn("upstream '{}': no peer left to try {} {} after {} attempt(s){}", group.config().name(),
                        method, pathQuery, tried.size(), lastFailure == null ? "" : " (last: " + lastFailure.getMessage() + ")");
                }
                fail(lastFailure, tried.isEmpty());
                return;
            }
            tried.add(member);
            send(clientToProxyRequest, pathQuery, body, new Attempt(this, member, tried.size()));
        }

        /** Answers 502/504 (or fails the client's callback when the response started). */
        void fail(Throwable failure, boolean noPeer) {
            abandonBody();
            sendError(proxyToClientResponse, callback, failure, noPeer);
        }

        void abandonBody() {
            if (body != null) {
                body.abandon();
            }
        }

        /** A retry loses nothing: the method allows it, the body (if any) is kept, tries and time are left. */
        boolean mayRetry() {
            return retriable && (body == null || body.replayable()) && tried.size() < maxTries && System.nanoTime() - retryDeadline <= 0;
        }
    }

    /** Marks an upstream answer given up on (a fail status) so that the call moves on. */
    private static final class RetryElsewhere extends Exception {
        RetryElsewhere(int status) {
            super("status " + status + ", retrying elsewhere", null, false, false);
        }
    }

    /**
     * One attempt against one peer. Keeps the peer's in-flight count and latency average right
     * whatever happens, and decides between streaming the answer, retrying, and 502/504.
     */
    private final class Attempt implements org.eclipse.jetty.client.Response.Listener {
        private final Call call;
        private final Member member;
        private final int number;
        private final long startNanos = System.nanoTime();
        private final SendReadTimeouts timeouts;
        private Content.Source upstreamBody;
        private boolean streaming;
        private boolean retrying;

        Attempt(Call call, Member member, int number) {
            this.call = call;
            this.member = member;
            this.number = number;
            // One idle timeout does when it is the same in every phase and no body can keep the peer waiting.
            this.timeouts = call.body == null && sendMillis == readMillis ? null : new SendReadTimeouts(sendMillis, readMillis);
            member.state().begin();
        }

        /** Counts a failure against the peer (passive health); true when that takes it out. */
        private boolean blame() {
            return member.state().fail(member.config().maxFails(), member.config().failTimeout().toNanos());
        }

        @Override
        public void onHeaders(org.eclipse.jetty.client.Response response) {
            if (timeouts != null) {
                timeouts.answered();
            }
            member.state().observe(System.nanoTime() - startNanos);
            int status = response.getStatus();
            if (settings.failStatuses().contains(status)) {
                blame();
                if (call.mayRetry() && group.pick(call.key, call.tried) != null) {
                    LOG.warn("upstream '{}' peer {} answered {} to {} {}; trying the next peer", group.config().name(),
                        member.address(), status, call.method, call.pathQuery);
                    retrying = true;
                    response.abort(new RetryElsewhere(status));
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
            proxyToClient(this, response, upstreamBody);
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
            if (result.isSucceeded()) {
                // An answer without a content source (not seen with HTTP/1.1, kept for safety).
                streaming = true;
                proxyToClient(this, result.getResponse(), Content.Source.from(ByteBuffer.allocate(0)));
                return;
            }
            Throwable failure = result.getFailure();
            Throwable clientFailure = call.clientFailure;
            if (clientFailure == null && call.body != null) {
                clientFailure = call.body.clientReadFailure();
            }
            if (clientFailure != null) {
                // Not the peer's fault: no failure counted, nothing retried.
                LOG.debug("client failed, upstream '{}' peer {} exchange for {} {} aborted", group.config().name(),
                    member.address(), call.method, call.pathQuery, clientFailure);
                call.abandonBody();
                if (isTimeout(clientFailure) && !call.proxyToClientResponse.isCommitted()) {
                    // nginx's answer to a client that stops sending its body (client_body_timeout)
                    Response.writeError(call.clientToProxyRequest, call.proxyToClientResponse, call.callback,
                        HttpStatus.REQUEST_TIMEOUT_408);
                } else {
                    call.callback.failed(clientFailure);
                }
                return;
            }
            boolean out = blame();
            LOG.warn("upstream '{}' peer {} failed on {} {} (attempt {}): {}{}", group.config().name(),
                member.address(), call.method, call.pathQuery, number, reason(failure),
                out ? "; peer out for " + member.config().failTimeout() : "");
            if (call.mayRetry()) {
                call.next(failure);
            } else {
                call.fail(failure, false);
            }
        }

        /** What went wrong, naming send-timeout when the peer stopped taking the request. */
        private String reason(Throwable t) {
            String m = t.getMessage() == null ? "" : " " + t.getMessage().toLowerCase(Locale.ROOT);
            if (!isTimeout(t)) {
                return t.getClass().getSimpleName() + m;
            }
            if (timeouts != null && timeouts.sending() && m.contains("idle timeout")) {
                return "send-timeout " + Units.format(settings.sendTimeout()) + ", the peer took no more of the request: "
                    + t.getClass().getSimpleName() + m;
            }
            return "timeout: " + t.getClass().getSimpleName() + m;
        }
    }

    private void send(Request clientToProxyRequest, String pathQuery, RequestBody body, Attempt attempt) {
        Member member = attempt.member;
        org.eclipse.jetty.client.Request proxyToUpstreamRequest = group.client()
            .newRequest(member.state().connectHost(member.config().host()), member.config().port())
            .method(clientToProxyRequest.getMethod())
            .path(pathQuery)
            .version(HttpVersion.HTTP_1_1)
            .headers(h -> proxyToUpstreamHeaders(clientToProxyRequest, h));
        SendReadTimeouts timeouts = attempt.timeouts;
        if (timeouts == null) {
            proxyToUpstreamRequest.idleTimeout(readMillis, TimeUnit.MILLISECONDS);
        } else {
            timeouts.attach(proxyToUpstreamRequest);
            proxyToUpstreamRequest.idleTimeout(timeouts.initialMillis(), TimeUnit.MILLISECONDS)
                .onRequestSuccess(r -> timeouts.sent());
        }
        if (!settings.timeout().isZero()) {
            proxyToUpstreamRequest.timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        if (body != null) {
            proxyToUpstreamRequest.body(body.newAttemptContent(timeouts));
            if (clientToProxyRequest.getLength() < 0) {
                // Sent chunked, so the client's trailers (read with the last chunk) can follow.
                proxyToUpstreamRequest.trailersSupplier(body::trailers);
            }
        }
        attempt.call.sending(proxyToUpstreamRequest);
        proxyToUpstreamRequest.send(attempt);
    }

    private void proxyToUpstreamHeaders(Request clientToProxyRequest, HttpFields.Mutable out) {
        HttpFields in = clientToProxyRequest.getHeaders();
        Set<String> connectionTokens = HopByHop.connectionTokens(in);
        boolean trusted = trusted(clientToProxyRequest);
        String clientHost = null;
        String xff = null;
        String forwarded = null;
        for (HttpField f : in) {
            HttpHeader h = f.getHeader();
            if (HopByHop.isHopByHop(h) || h == HttpHeader.EXPECT) {
                continue; // Expect: Jetty answers 100 itself when we start reading the body
            }
            if (h == HttpHeader.HOST) {
                clientHost = f.getValue();
                continue;
            }
            if (h == HttpHeader.X_FORWARDED_FOR) {
                xff = xff == null ? f.getValue() : xff + ", " + f.getValue();
                continue;
            }
            if (h == HttpHeader.FORWARDED) {
                forwarded = forwarded == null ? f.getValue() : forwarded + ", " + f.getValue();
                continue;
            }
            if (!trusted && (h == HttpHeader.X_FORWARDED_PROTO || h == HttpHeader.X_FORWARDED_HOST
                || h == HttpHeader.X_FORWARDED_PORT || h == HttpHeader.X_FORWARDED_SERVER)) {
                continue;
            }
            if (!connectionTokens.isEmpty() && connectionTokens.contains(f.getLowerCaseName())) {
                continue;
            }
            out.add(f);
        }
        if (clientHost == null) {
            clientHost = Request.getServerName(clientToProxyRequest);
            int port = Request.getServerPort(clientToProxyRequest);
            if (port > 0 && port != 80 && port != 443) {
                clientHost = clientHost + ":" + port;
            }
        }
        out.put(HttpHeader.HOST, settings.host() == null ? clientHost
            : settings.host().render(n -> RequestVariables.get(clientToProxyRequest, n)));
        String mode = settings.forwarded();
        String remote = Request.getRemoteAddr(clientToProxyRequest);
        String scheme = clientToProxyRequest.isSecure() ? "https" : "http";
        if (mode.equals("x-forwarded") || mode.equals("both")) {
            out.put(HttpHeader.X_FORWARDED_FOR, trusted && xff != null ? xff + ", " + remote : remote);
            if (!out.contains(HttpHeader.X_FORWARDED_PROTO)) {
                out.put(HttpHeader.X_FORWARDED_PROTO, scheme);
            }
            if (!out.contains(HttpHeader.X_FORWARDED_HOST)) {
                out.put(HttpHeader.X_FORWARDED_HOST, clientHost);
            }
            if (!out.contains(HttpHeader.X_FORWARDED_PORT)) {
                out.put(HttpHeader.X_FORWARDED_PORT, Integer.toString(Request.getLocalPort(clientToProxyRequest)));
            }
        } else if (trusted && xff != null) {
            out.put(HttpHeader.X_FORWARDED_FOR, xff);
        }
        if (mode.equals("forwarded") || mode.equals("both")) {
            String node = remote.indexOf(':') >= 0 ? "\"[" + remote + "]\"" : remote;
            String element = "for=" + node + ";proto=" + scheme + ";host=\"" + clientHost.replace("\"", "") + "\"";
            out.put(HttpHeader.FORWARDED, trusted && forwarded != null ? forwarded + ", " + element : element);
        } else if (trusted && forwarded != null) {
            out.put(HttpHeader.FORWARDED, forwarded);
        }
        if (settings.via()) {
            out.add(HttpHeader.VIA, VIA);
        }
        applyRules(settings.requestHeaders(), out, clientToProxyRequest);
    }

    private void proxyToClient(Attempt attempt, org.eclipse.jetty.client.Response upstreamToProxyResponse,
                               Content.Source upstreamBody) {
        Request clientToProxyRequest = attempt.call.clientToProxyRequest;
        Response proxyToClientResponse = attempt.call.proxyToClientResponse;
        proxyToClientResponse.setStatus(upstreamToProxyResponse.getStatus());
        HttpFields upstreamHeaders = upstreamToProxyResponse.getHeaders();
        Set<String> connectionTokens = HopByHop.connectionTokens(upstreamHeaders);
        HttpFields.Mutable out = proxyToClientResponse.getHeaders();
        for (HttpField f : upstreamHeaders) {
            HttpHeader h = f.getHeader();
            if (HopByHop.isHopByHop(h)) {
                continue;
            }
            if (!connectionTokens.isEmpty() && connectionTokens.contains(f.getLowerCaseName())) {
                continue;
            }
            if (h == HttpHeader.DATE || h == HttpHeader.SERVER) {
                out.put(f); // Jetty may have put its own already
            } else {
                out.add(f);
            }
        }
        if (settings.via()) {
            out.add(HttpHeader.VIA, VIA);
        }
        applyRules(settings.responseHeaders(), out, clientToProxyRequest);
        if (upstreamHeaders.contains(HttpHeader.TRANSFER_ENCODING)) {
            // Chunked from the upstream: its trailers, read with the last chunk, follow ours.
            proxyToClientResponse.setTrailersSupplier(() -> HopByHop.trailers(upstreamToProxyResponse.getTrailers()));
        }
        ClientCopy copy = new ClientCopy(attempt, upstreamBody);
        Content.copy(upstreamBody, proxyToClientResponse, copy, copy);
    }

    /**
     * Completes the client's callback when the copy of the answer's body ends. Sees each chunk
     * first: a failure chunk read from the upstream makes a failure the peer's, not the client's.
     */
    private final class ClientCopy implements Callback, Content.Chunk.Processor {
        private final Attempt attempt;
        private final Content.Source upstreamBody;
        private boolean upstreamFailed;

        ClientCopy(Attempt attempt, Content.Source upstreamBody) {
            this.attempt = attempt;
            this.upstreamBody = upstreamBody;
        }

        @Override
        public boolean process(Content.Chunk chunk, Callback next) {
            upstreamFailed |= Content.Chunk.isFailure(chunk);
            return false; // the copy goes on as usual
        }

        @Override
        public void succeeded() {
            attempt.call.callback.succeeded();
        }

        @Override
        public void failed(Throwable x) {
            upstreamBody.fail(x);
            if (upstreamFailed) {
                LOG.warn("upstream '{}' peer {} failed on {} {} (attempt {}) after the answer started: {}",
                    group.config().name(), attempt.member.address(), attempt.call.method, attempt.call.pathQuery,
                    attempt.number, attempt.reason(x));
            } else {
                LOG.debug("streaming the response of {} failed", attempt.member.address(), x);
            }
            attempt.call.callback.failed(x);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING; // completing the client's callback does not block
        }
    }

    private static void applyRules(List<ProxySettings.HeaderRule> rules, HttpFields.Mutable fields, Request request) {
        for (ProxySettings.HeaderRule r : rules) {
            switch (r.action()) {
                case "remove" -> fields.remove(r.name());
                case "add" -> fields.add(r.name(), r.value().render(n -> RequestVariables.get(request, n)));
                default -> {
                    String v = r.value().render(n -> RequestVariables.get(request, n));
                    if (v.isEmpty()) {
                        fields.remove(r.name()); // nginx: an empty value removes the header
                    } else {
                        fields.put(r.name(), v);
                    }
                }
            }
        }
    }

    private void sendError(Response response, Callback callback, Throwable failure, boolean noPeer) {
        int status = failure != null && isTimeout(failure) ? HttpStatus.GATEWAY_TIMEOUT_504 : HttpStatus.BAD_GATEWAY_502;
        if (noPeer && failure == null) {
            LOG.warn("upstream '{}': no live peer", group.config().name());
        }
        if (response.isCommitted()) {
            callback.failed(failure != null ? failure : new IllegalStateException("no live upstream"));
            return;
        }
        byte[] body = (status + " " + HttpStatus.getMessage(status) + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private String rewrite(Request request) {
        var uri = request.getHttpURI();
        String path = uri.getPath();
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        for (ProxySettings.Rewrite r : settings.rewrites()) {
            String rewritten = r.apply(path);
            if (rewritten != null) {
                path = rewritten.isEmpty() || rewritten.charAt(0) != '/' ? "/" + rewritten : rewritten;
                break;
            }
        }
        String query = uri.getQuery();
        return query == null ? path : path + "?" + query;
    }

    private boolean trusted(Request request) {
        if (settings.trustedProxies().isEmpty()) {
            return false;
        }
        SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
        if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return false;
        }
        InetAddress address = inet.getAddress();
        for (Cidr c : settings.trustedProxies()) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client's body, or null when the request has none. HTTP/1 says so in its headers; an h2
     * or h3 request without {@code content-length} may or may not have one, so the first chunk is
     * read to find out (EOF at once: none) and kept for the upstream.
     */
    private RequestBody requestBody(Request request) {
        long keep = settings.retryBodyMax();
        HttpFields h = request.getHeaders();
        String type = h.get(HttpHeader.CONTENT_TYPE);
        if (h.contains(HttpHeader.TRANSFER_ENCODING)) {
            return new RequestBody(request, type, null, keep);
        }
        long length = h.getLongField(HttpHeader.CONTENT_LENGTH);
        if (length >= 0 || request.getConnectionMetaData().getHttpVersion().getVersion() < 20) {
            return length > 0 ? new RequestBody(request, type, null, keep) : null;
        }
        Content.Chunk first = request.read();
        if (first != null && first.isLast() && !first.hasRemaining() && !(first instanceof Trailers)
            && !Content.Chunk.isFailure(first)) {
            first.release();
            return null;
        }
        return new RequestBody(request, type, first, keep);
    }

    private static boolean isIdempotent(String method) {
        return HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method) || HttpMethod.OPTIONS.is(method)
            || HttpMethod.PUT.is(method) || HttpMethod.DELETE.is(method) || HttpMethod.TRACE.is(method);
    }

    static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException || c instanceof InterruptedIOException) {
                return true;
            }
        }
        return false;
    }


}
