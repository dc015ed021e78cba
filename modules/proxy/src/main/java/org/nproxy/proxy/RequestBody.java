package org.nproxy.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.Trailers;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.AutoLock;
import org.nproxy.upstream.forward.HopByHop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's request body as the upstream attempts of one proxied request read it. Each
 * attempt gets its own view ({@link #newAttemptContent()}); only the newest view delivers, so an
 * attempt that was given up on cannot take chunks meant for the next one. There is one demand at
 * a time on the client's request, whichever view asked for it.
 *
 * <p>With a keep limit ({@code retry-body-max}), the chunks are copied aside as they are read,
 * as long as the body read so far fits the limit: a later attempt then replays the copies
 * before it reads on from the client. Past the limit the copies are dropped and the body can no
 * longer be replayed ({@link #replayable()}).
 *
 * <p>A chunk read before the first attempt (to learn whether an h2/h3 request has a body at all)
 * is delivered first.
 */
final class RequestBody {
    private static final Logger LOG = LoggerFactory.getLogger(RequestBody.class);

    /** Set before this class fails the client's body itself (an upstream failure, not the client's). */
    private volatile boolean failedHere;

    boolean failedHere() {
        return failedHere;
    }

    /** Set when reading the client's body failed (it closed, reset or stalled past idle-timeout). */
    private volatile Throwable clientReadFailure;

    /** The client's own failure to send its body, or null: an upload the client broke is not the peer's fault. */
    Throwable clientReadFailure() {
        return clientReadFailure;
    }
    private static final String SEEN = RequestBody.class.getName() + ".trailers";
    private final Request clientToProxyRequest;
    private final String contentType;
    private final long keepMax;
    private final AutoLock lock = new AutoLock();
    // guarded by lock
    private Content.Chunk peeked;
    private List<ByteBuffer> kept;
    private long keptBytes;
    private Content.Chunk end;
    private View current;
    private boolean demanding;

    /**
     * @param keepMax bytes kept for a replay: 0 = none; a body with a larger {@code Content-Length}
     *                is not kept at all, a chunked one only until it outgrows the limit
     */
    RequestBody(Request clientToProxyRequest, String contentType, Content.Chunk peeked, long keepMax) {
        this.clientToProxyRequest = clientToProxyRequest;
        this.contentType = contentType;
        this.peeked = peeked;
        this.keepMax = keepMax;
        long length = clientToProxyRequest.getLength();
        this.kept = keepMax > 0 && length <= keepMax ? new ArrayList<>() : null;
    }

    /** Told what the attempt's sender does with the body, for its timeouts. */
    interface Progress {
        /** A chunk was handed out: a write to the peer starts. */
        void writing();

        /** Nothing to hand out: the sender waits for the client. */
        void waitingForClient();
    }

    /** The body for the next attempt; the view of the previous attempt stops delivering. */
    org.eclipse.jetty.client.Request.Content newAttemptContent(Progress progress) {
        try (AutoLock ignored = lock.lock()) {
            current = new View(kept == null ? List.of() : List.copyOf(kept), progress);
            return current;
        }
    }

    /** True while everything read from the client so far is kept, so another attempt can send it again. */
    boolean replayable() {
        try (AutoLock ignored = lock.lock()) {
            return kept != null;
        }
    }

    /** No attempt will follow (the answer is on its way to the client): drops the copies and makes no more. */
    void stopKeeping() {
        try (AutoLock ignored = lock.lock()) {
            kept = null;
        }
    }

    /** Copies a chunk read from the client aside while the body fits the keep limit. */
    private void keep(Content.Chunk chunk) {
        if (Content.Chunk.isFailure(chunk)) {
            if (chunk.isLast()) {
                kept = null; // a body the client failed to send cannot be replayed
            }
            return;
        }
        if (chunk.isLast()) {
            // What a later view ends with, without data (that is in the copies): EOF or the trailers.
            end = chunk instanceof Trailers ? chunk : Content.Chunk.EOF;
        }
        if (kept != null && chunk.hasRemaining()) {
            keptBytes += chunk.remaining();
            if (keptBytes > keepMax) {
                kept = null;
            } else {
                ByteBuffer copy = ByteBuffer.allocate(chunk.remaining());
                copy.put(chunk.getByteBuffer().slice()).flip();
                kept.add(copy);
            }
        }
    }

    /**
     * The client's trailers, fit to forward ({@link HopByHop#trailers}); null when there are none.
     * Jetty 12.0.30's HTTP/1.1 server keeps the trailer fields of earlier requests on a connection
     * and hands them out again ahead of the new ones (fixed in Jetty 12.1): the fields already
     * handed out on this connection are skipped.
     */
    HttpFields trailers() {
        HttpFields all = clientToProxyRequest.getTrailers();
        ConnectionMetaData connection = clientToProxyRequest.getConnectionMetaData();
        if (all == null || connection.getHttpVersion().getVersion() >= 20) {
            return HopByHop.trailers(all);
        }
        Seen seen = connection.getAttribute(SEEN) instanceof Seen s ? s : null;
        if (seen != null && seen.all == all) {
            return seen.own; // asked again for the same request (a retry)
        }
        HttpFields own = all;
        if (seen != null && startsWith(all, seen.all)) {
            HttpFields.Mutable rest = HttpFields.build();
            for (int i = seen.all.size(); i < all.size(); i++) {
                rest.add(all.getField(i));
            }
            own = rest;
        }
        own = HopByHop.trailers(own);
        connection.setAttribute(SEEN, new Seen(all, own));
        return own;
    }

    /** The trailer list Jetty gave for the last request of a connection, and what was forwarded of it. */
    private record Seen(HttpFields all, HttpFields own) {
    }

    private static boolean startsWith(HttpFields all, HttpFields prefix) {
        if (all.size() < prefix.size()) {
            return false;
        }
        for (int i = 0; i < prefix.size(); i++) {
            if (all.getField(i) != prefix.getField(i)) {
                return false;
            }
        }
        return true;
    }

    /** The proxied request is over: no view delivers any more, and a chunk never delivered is released. */
    void abandon() {
        Content.Chunk chunk;
        try (AutoLock ignored = lock.lock()) {
            current = null;
            chunk = peeked;
            peeked = null;
        }
        if (chunk != null) {
            chunk.release();
        }
    }

    /** Runs the demand callback of the current view once the client's request has more. */
    private void onClientContent() {
        Runnable callback;
        try (AutoLock ignored = lock.lock()) {
            demanding = false;
            callback = current == null ? null : current.takeDemand();
        }
        if (callback != null) {
            callback.run();
        }
    }

    /** One attempt's view of the body: the copies kept when it was made, then the client's request. */
    private final class View implements org.eclipse.jetty.client.Request.Content {
        private final List<ByteBuffer> replay;
        private final Progress progress;
        private int replayed; // guarded by RequestBody.lock, like the rest
        private Runnable demandCallback;

        View(List<ByteBuffer> replay, Progress progress) {
            this.replay = replay;
            this.progress = progress;
        }

        Runnable takeDemand() {
            Runnable c = demandCallback;
            demandCallback = null;
            return c;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public long getLength() {
            return clientToProxyRequest.getLength();
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk chunk = next();
            if (chunk == null) {
                progress.waitingForClient();
            } else if (!Content.Chunk.isFailure(chunk)) {
                progress.writing();
            }
            return chunk;
        }

        private Content.Chunk next() {
            try (AutoLock ignored = lock.lock()) {
                if (current != this) {
                    return Content.Chunk.from(new IOException("request body handed to a later attempt"));
                }
                if (replayed < replay.size()) {
                    return Content.Chunk.from(replay.get(replayed++).asReadOnlyBuffer(), false);
                }
                if (end != null) {
                    return end;
                }
                Content.Chunk chunk = peeked;
                peeked = null;
                if (chunk == null) {
                    // under the lock, so that a later view finds every chunk read so far kept
                    chunk = clientToProxyRequest.read();
                }
                if (Content.Chunk.isFailure(chunk) && !failedHere) {
                    clientReadFailure = chunk.getFailure();
                }
                if (chunk != null) {
                    keep(chunk);
                }
                return chunk;
            }
        }

        @Override
        public void demand(Runnable callback) {
            boolean now;
            boolean demand = false;
            try (AutoLock ignored = lock.lock()) {
                now = current != this || replayed < replay.size() || end != null || peeked != null;
                if (!now) {
                    demandCallback = callback;
                    demand = !demanding;
                    demanding = true;
                }
            }
            if (now) {
                callback.run();
            } else if (demand) {
                clientToProxyRequest.demand(RequestBody.this::onClientContent);
            }
        }

        @Override
        public void fail(Throwable failure) {
            fail(failure, true);
        }

        /** Fails the client's body only when no other attempt can replay it. */
        @Override
        public void fail(Throwable failure, boolean last) {
            try (AutoLock ignored = lock.lock()) {
                if (current != this || kept != null) {
                    return;
                }
            }
            failedHere = true;
            try {
                clientToProxyRequest.fail(failure, last);
            } catch (RuntimeException alreadyOver) {
                // The client's exchange ended meanwhile (its answer was sent, or it went away):
                // Jetty 12.0.30's request then has no stream left and throws. There is nothing
                // left to fail; the attempt's own failure is reported by the upstream exchange.
                LOG.debug("client request body already over when attempt failed: {}", alreadyOver.toString());
            }
        }

        @Override
        public boolean rewind() {
            return false;
        }
    }
}
