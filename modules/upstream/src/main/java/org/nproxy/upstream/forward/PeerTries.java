package org.nproxy.upstream.forward;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.Request;
import org.nproxy.spi.TraceContext;
import org.nproxy.upstream.PeerMeters;
import org.nproxy.upstream.UpstreamGroup;
import org.nproxy.upstream.balance.Member;

/**
 * The try-next-peer loop of one request, the same for every module that forwards: each attempt
 * goes to a peer not tried yet, up to {@code maxTries}; a failure is counted against the peer
 * (passive health), and the last one decides the client's error ({@link UpstreamErrors}).
 */
public final class PeerTries {
    private final UpstreamGroup group;
    private final String key;
    private final int maxTries;
    private final List<Member> tried = new ArrayList<>(2);
    private Throwable lastFailure;
    private TryLog log;
    /** Whether the attempt in progress got its response headers (a failure then is a fail status). */
    private volatile boolean answered;

    /**
     * @param key      the balancer key (client address for ip_hash, rendered hash key), or null
     * @param maxTries attempts at most; 0 = each peer of the group once
     */
    public PeerTries(UpstreamGroup group, String key, int maxTries) {
        this.group = group;
        this.key = key;
        this.maxTries = maxTries > 0 ? maxTries : group.config().peers().size();
    }

    /** The peer of the next attempt, or null when the tries are used up or no usable peer is left. */
    public Member next() {
        if (tried.size() >= maxTries) {
            return null;
        }
        Member m = group.pick(key, tried);
        if (m != null) {
            if (!tried.isEmpty()) {
                group.retried();
            }
            tried.add(m);
        }
        return m;
    }

    /** Whether the tries allow another attempt (whether a peer is left is not asked). */
    public boolean hasNext() {
        return tried.size() < maxTries;
    }

    /** Whether another attempt would find a usable peer not tried yet now. */
    public boolean anotherPeer() {
        return hasNext() && group.pick(key, tried) != null;
    }

    /** Attempts made so far. */
    public int attempts() {
        return tried.size();
    }

    /** Peers tried so far, in order. */
    public List<Member> tried() {
        return tried;
    }

    /**
     * Records a failed attempt at {@code member}: counted against the peer when {@code blame}
     * (a local failure or a client's fault never is); returns whether it took the peer out.
     */
    public boolean failed(Member member, Throwable failure, boolean blame) {
        lastFailure = failure;
        member.state().meters().failure(answered ? PeerMeters.Reason.STATUS
            : UpstreamErrors.isTimeout(failure) ? PeerMeters.Reason.TIMEOUT
            : isConnect(failure) ? PeerMeters.Reason.CONNECT : PeerMeters.Reason.ERROR);
        return blame && member.state().fail(member.config().maxFails(), member.config().failTimeout().toNanos());
    }

    /**
     * Observes the attempt about to go to {@code member}: its timings and status feed the peer's
     * meters and the client request's {@link UpstreamVariables} ({@code $upstream_addr}, ...).
     * Call it once per attempt, before {@code send}; the listeners it adds run before the
     * caller's own response listener, so an attempt is recorded before a retry starts.
     */
    public void sending(Request clientRequest, Member member, org.eclipse.jetty.client.Request upstream) {
        if (log == null) {
            log = new TryLog(clientRequest);
        }
        TryLog tries = log;
        answered = false;
        String host = member.state().connectHost(member.config().host());
        tries.start(host, member.config().port());
        TraceContext trace = TraceContext.recording(clientRequest);
        long span;
        long begin;
        if (trace != null) {
            // A client span per try: the upstream sees it as its parent.
            span = TraceContext.newSpanId();
            begin = System.nanoTime();
            upstream.headers(h -> trace.propagate(h, span));
        } else {
            span = 0;
            begin = 0;
        }
        upstream.onRequestBegin(r -> tries.connected());
        upstream.onResponseHeaders(r -> {
            answered = true;
            tries.answered(r.getStatus());
        });
        upstream.onComplete(result -> {
            int status = result.getResponse() == null ? 0 : result.getResponse().getStatus();
            if (status <= 0 || (result.isFailed() && !answered)) {
                status = UpstreamErrors.status(result.getFailure());
            }
            member.state().meters().attempt(status, tries.end(status));
            if (trace != null) {
                trace.tracer().clientSpan(clientRequest, trace, span, upstream.getMethod(), host, member.config().port(),
                    status, result.getFailure(), System.nanoTime() - begin);
            }
        });
    }

    private static boolean isConnect(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.net.ConnectException || c instanceof java.nio.channels.UnresolvedAddressException
                || c instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** The last failure, or null when no attempt failed (no peer to try). */
    public Throwable lastFailure() {
        return lastFailure;
    }
}
