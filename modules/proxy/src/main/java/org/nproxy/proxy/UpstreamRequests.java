package org.nproxy.proxy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.Trailers;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.nproxy.spi.RequestVariables;
import org.nproxy.upstream.balance.Member;
import org.nproxy.upstream.forward.InterimResponses;

/** The request an attempt sends: target, headers, timeouts and the client's body. */
final class UpstreamRequests {
    /**
     * How long an attempt holds the body of a client's {@code Expect: 100-continue} request for the
     * peer's {@code 100} before it sends it anyway (curl waits 1 s too).
     */
    static final long CONTINUE_WAIT_MILLIS = 1000;

    private UpstreamRequests() {
    }

    /** Builds the attempt's upstream request and sends it; the answer goes to the attempt. */
    static void send(ProxyCall call, UpstreamAttempt attempt) {
        ProxyHandler handler = call.handler;
        ProxySettings settings = handler.settings;
        Request clientToProxyRequest = call.clientToProxyRequest;
        Member member = attempt.member;
        org.eclipse.jetty.client.Request proxyToUpstreamRequest = handler.group.client()
            .newRequest(member.state().connectHost(member.config().host()), member.config().port())
            .method(clientToProxyRequest.getMethod())
            .path(call.pathQuery)
            .version(HttpVersion.HTTP_1_1)
            .headers(h -> proxyToUpstreamHeaders(settings, clientToProxyRequest, h));
        SendReadTimeouts timeouts = attempt.timeouts;
        if (timeouts == null) {
            proxyToUpstreamRequest.idleTimeout(handler.readMillis, TimeUnit.MILLISECONDS);
        } else {
            timeouts.attach(proxyToUpstreamRequest);
            proxyToUpstreamRequest.idleTimeout(timeouts.initialMillis(), TimeUnit.MILLISECONDS)
                .onRequestSuccess(r -> timeouts.sent());
        }
        if (!settings.timeout().isZero()) {
            proxyToUpstreamRequest.timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        RequestBody body = call.body;
        if (body != null) {
            proxyToUpstreamRequest.body(body.newAttemptContent(timeouts));
            if (clientToProxyRequest.getLength() < 0) {
                // Sent chunked, so the client's trailers (read with the last chunk) can follow.
                proxyToUpstreamRequest.trailersSupplier(body::trailers);
            }
        }
        if (body != null && call.sendExpect()) {
            // The client waits for a 100: ask the peer for one, and hold the body until it comes.
            proxyToUpstreamRequest.headers(h -> h.put(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString()));
            handler.group.client().getScheduler().schedule(() -> call.stopWaitingForContinue(proxyToUpstreamRequest),
                CONTINUE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }
        proxyToUpstreamRequest.attribute(InterimResponses.LISTENER, (BiConsumer<Integer, HttpFields>) call::upstreamInterim);
        call.tries.sending(clientToProxyRequest, member, proxyToUpstreamRequest); // meters, $upstream_*
        call.sending(proxyToUpstreamRequest);
        proxyToUpstreamRequest.send(attempt);
    }

    private static void proxyToUpstreamHeaders(ProxySettings settings, Request clientToProxyRequest, HttpFields.Mutable out) {
        settings.forwarding().proxyToUpstreamHeaders(clientToProxyRequest, out, Set.of());
        applyRules(settings.requestHeaders(), out, clientToProxyRequest);
    }

    /** Applies {@code <request-header>} / {@code <response-header>} rules in order. */
    static void applyRules(List<ProxySettings.HeaderRule> rules, HttpFields.Mutable fields, Request request) {
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

    /** The path and query sent upstream: the first matching {@code <rewrite>} applied. */
    static String rewrite(Request request, List<ProxySettings.Rewrite> rewrites) {
        var uri = request.getHttpURI();
        String path = uri.getPath();
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        for (ProxySettings.Rewrite r : rewrites) {
            String rewritten = r.apply(path);
            if (rewritten != null) {
                path = rewritten.isEmpty() || rewritten.charAt(0) != '/' ? "/" + rewritten : rewritten;
                break;
            }
        }
        String query = uri.getQuery();
        return query == null ? path : path + "?" + query;
    }

    /**
     * The client's body, or null when the request has none. HTTP/1 says so in its headers; an h2
     * or h3 request without {@code content-length} may or may not have one, so the first chunk is
     * read to find out (EOF at once: none) and kept for the upstream.
     *
     * @param keep bytes of the body kept for a retry ({@code retry-body-max})
     */
    static RequestBody requestBody(Request request, long keep) {
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

    static boolean isIdempotent(String method) {
        return HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method) || HttpMethod.OPTIONS.is(method)
            || HttpMethod.PUT.is(method) || HttpMethod.DELETE.is(method) || HttpMethod.TRACE.is(method);
    }
}
