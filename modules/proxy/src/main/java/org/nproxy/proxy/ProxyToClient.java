package org.nproxy.proxy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.IteratingCallback;
import org.nproxy.upstream.forward.Forwarding;
import org.nproxy.upstream.forward.HopByHop;
import org.nproxy.upstream.forward.TransferCodings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chosen answer, to the client: its status and end-to-end headers (with {@code Via} and the
 * {@code <response-header>} rules), then its body copied chunk by chunk with back-pressure, then
 * its trailers. Completes the client's callback when the copy ends. Sees each chunk first: a
 * failure chunk read from the upstream makes a failure the peer's, not the client's.
 */
final class ProxyToClient extends IteratingCallback {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyToClient.class);

    private final UpstreamAttempt attempt;
    private final Content.Source upstreamBody;
    private final Response proxyToClientResponse;
    /** The body's length from the upstream's Content-Length; -1 when unknown or when no body comes. */
    private final long length;
    private long written;
    private boolean lastWritten;
    private boolean done;
    private Content.Chunk current;
    private boolean upstreamFailed;

    private ProxyToClient(UpstreamAttempt attempt, Content.Source upstreamBody, long length) {
        this.attempt = attempt;
        this.upstreamBody = upstreamBody;
        this.proxyToClientResponse = attempt.call.proxyToClientResponse;
        this.length = length;
    }

    /** Writes the answer's head and starts copying its body. */
    static void start(UpstreamAttempt attempt, org.eclipse.jetty.client.Response upstreamToProxyResponse,
                      Content.Source upstreamBody) {
        ProxySettings settings = attempt.call.handler.settings;
        Request clientToProxyRequest = attempt.call.clientToProxyRequest;
        Response proxyToClientResponse = attempt.call.proxyToClientResponse;
        proxyToClientResponse.setStatus(upstreamToProxyResponse.getStatus());
        HttpFields upstreamHeaders = upstreamToProxyResponse.getHeaders();
        Set<String> connectionTokens = HopByHop.connectionTokens(upstreamHeaders);
        HttpFields.Mutable out = proxyToClientResponse.getHeaders();
        for (HttpField f : upstreamHeaders) {
            HttpHeader h = f.getHeader();
            if (HopByHop.isHopByHop(h) || TransferCodings.isInternal(f)) {
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
        if (settings.forwarding().via()) {
            out.add(HttpHeader.VIA, Forwarding.VIA);
        }
        UpstreamRequests.applyRules(settings.responseHeaders(), out, clientToProxyRequest);
        List<String> codings = TransferCodings.undecoded(upstreamHeaders);
        if (!codings.isEmpty()) {
            if (codings.contains("chunked")) {
                // chunked, then another coding: valid, read to the close (RFC 9112 section 6.3), but
                // not to be framed again for HTTP/1.1 (chunked twice) and not decodable here.
                attempt.unrelayable(upstreamToProxyResponse, codings);
                return;
            }
            if (clientToProxyRequest.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1) {
                // The body goes byte for byte with its codings; Jetty's generator chunks it last.
                out.put(HttpHeader.TRANSFER_ENCODING, String.join(", ", codings) + ", chunked");
            }
            // HTTP/1.0, h2 and h3 have no transfer codings: the bytes go as they came (docs/proxy.md).
        }
        if (upstreamHeaders.contains(HttpHeader.TRANSFER_ENCODING)) {
            // Chunked from the upstream: its trailers, read with the last chunk, follow ours.
            proxyToClientResponse.setTrailersSupplier(() -> HopByHop.trailers(upstreamToProxyResponse.getTrailers()));
        }
        long length = -1;
        if (codings.isEmpty() && !upstreamHeaders.contains(HttpHeader.TRANSFER_ENCODING) && hasBody(attempt, upstreamToProxyResponse)) {
            length = upstreamHeaders.getLongField(HttpHeader.CONTENT_LENGTH);
        }
        new ProxyToClient(attempt, upstreamBody, length).iterate();
    }

    private static boolean hasBody(UpstreamAttempt attempt, org.eclipse.jetty.client.Response upstreamToProxyResponse) {
        int status = upstreamToProxyResponse.getStatus();
        return !"HEAD".equals(attempt.call.method) && status >= 200 && status != 204 && status != 304;
    }

    /**
     * One step of the copy: writes the next chunk, or waits for one. The write that completes the
     * declared Content-Length is the last one: over h2 and h3 its DATA frame carries END_STREAM, so
     * the answer leaves in one write instead of a second one for an empty end-of-stream frame; the
     * upstream's own end (read after it) is then only drained, which lets its connection go back to
     * the pool.
     */
    @Override
    protected Action process() throws Throwable {
        if (current != null) {
            current.release();
            current = null;
        }
        if (done) {
            return Action.SUCCEEDED;
        }
        while (true) {
            Content.Chunk chunk = upstreamBody.read();
            if (chunk == null) {
                upstreamBody.demand(this::iterate);
                return Action.IDLE;
            }
            if (Content.Chunk.isFailure(chunk)) {
                if (lastWritten) {
                    // Every byte the upstream announced has been written: the client got its answer.
                    LOG.debug("upstream {} failed after the whole body was relayed", attempt.member.address(), chunk.getFailure());
                    return Action.SUCCEEDED;
                }
                upstreamFailed = true;
                throw chunk.getFailure();
            }
            if (lastWritten) {
                chunk.release();
                if (chunk.isLast()) {
                    return Action.SUCCEEDED;
                }
                continue;
            }
            ByteBuffer bytes = chunk.getByteBuffer();
            int n = bytes.remaining();
            written += n;
            boolean last = chunk.isLast() || (length >= 0 && n > 0 && written >= length);
            lastWritten = last;
            done = chunk.isLast();
            if (last && !done) {
                // Usually the upstream's end is already parsed: reading it now completes the
                // exchange, so the connection is back in the pool before the client sees the end
                // of its answer (and its next request finds it there).
                done = drainedEnd();
            }
            current = chunk;
            proxyToClientResponse.write(last, bytes, this);
            return Action.SCHEDULED;
        }
    }

    /** Reads what follows the announced length, if it is there already: true when it was the end. */
    private boolean drainedEnd() {
        Content.Chunk after = upstreamBody.read();
        if (after == null) {
            return false;
        }
        after.release();
        if (Content.Chunk.isFailure(after)) {
            LOG.debug("upstream {} failed after the whole body was read", attempt.member.address(), after.getFailure());
            return true;
        }
        return after.isLast();
    }

    @Override
    protected void onCompleteSuccess() {
        attempt.call.callback.succeeded();
    }

    @Override
    protected void onCompleteFailure(Throwable x) {
        if (current != null) {
            current.release();
            current = null;
        }
        upstreamBody.fail(x);
        if (upstreamFailed) {
            LOG.warn("upstream '{}' peer {} failed on {} {} (attempt {}) after the answer started: {}",
                attempt.call.upstreamName(), attempt.member.address(), attempt.call.method, attempt.call.pathQuery,
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
