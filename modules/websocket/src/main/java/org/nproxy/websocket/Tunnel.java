package org.nproxy.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.nproxy.upstream.balance.Member;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client-to-upstream WebSocket tunnel: two Jetty core sessions and a frame relay between them.
 *
 * <p>Back-pressure: a side asks for its next frame ({@link CoreSession#demand()}) only when the
 * other side has written the previous one, so at most one frame (at most
 * {@link WebSocketSettings#INPUT_BUFFER_SIZE}: a longer frame is relayed in pieces) is held per direction, and a slow reader
 * stops the TCP reads of the fast writer. Close frames are relayed as they come (the side that
 * closed first gets the usual echo), and when one connection drops the other side gets a 1001.
 *
 * <p>At the end one line goes to the {@code nproxy.websocket} log: duration, bytes and messages
 * each way, and who closed with which code.
 */
final class Tunnel {
    private static final Logger LOG = LoggerFactory.getLogger("nproxy.websocket");
    private static final ByteBuffer PING = ByteBuffer.wrap("nproxy-keepalive".getBytes(StandardCharsets.US_ASCII))
        .asReadOnlyBuffer();

    private final Tunnels registry;
    private final WebSocketSettings settings;
    private final Member member;
    private final Scheduler scheduler;
    private final String label;
    private final Routes.Key route;
    private final Routes.Registration openedBy;
    private final Side client = new Side("client");
    private final Side upstream = new Side("upstream");
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    /** Guards the close handshake state of both sides ({@code heldClose}, {@code answer}). */
    private final Object closing = new Object();
    private final long startNanos = System.nanoTime();
    private volatile String closedBy;
    /** Set when Nproxy itself closes the tunnel (stop, message too big): both sides get this status. */
    private volatile CloseStatus proxyClose;
    private final WebSocketMeters meters;

    Tunnel(Tunnels registry, WebSocketSettings settings, Member member, Scheduler scheduler, String label,
           Routes.Key route, Routes.Registration openedBy, WebSocketMeters meters) {
        this.meters = meters;
        this.registry = registry;
        this.settings = settings;
        this.member = member;
        this.scheduler = scheduler;
        this.label = label;
        this.route = route;
        this.openedBy = openedBy;
        client.other = upstream;
        upstream.other = client;
        client.frames = meters.framesToUpstream;
        client.bytes = meters.bytesToUpstream;
        upstream.frames = meters.framesToClient;
        upstream.bytes = meters.bytesToClient;
    }

    FrameHandler clientSide() {
        return client;
    }

    FrameHandler upstreamSide() {
        return upstream;
    }

    Member member() {
        return member;
    }

    String label() {
        return label;
    }

    /** What the tunnel was opened through: listener, virtual host, location, upstream group. */
    Routes.Key route() {
        return route;
    }

    /** The routes of the handler that opened it. */
    Routes.Registration openedBy() {
        return openedBy;
    }

    /** Both sessions are open: start reading both ways. */
    private void maybeStart() {
        if (client.session != null && upstream.session != null && started.compareAndSet(false, true)) {
            registry.add(this);
            meters.open.incrementAndGet();
            client.session.demand();
            upstream.session.demand();
            schedulePing();
        }
    }

    private void schedulePing() {
        if (!settings.pingInterval().isZero() && !finished.get()) {
            scheduler.schedule(() -> {
                if (!finished.get()) {
                    client.ping();
                    upstream.ping();
                    schedulePing();
                }
            }, settings.pingInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Sends a close frame to each side whose output is still open. */
    void closeBoth(int code, String reason) {
        proxyClose = new CloseStatus(code, reason);
        if (closedBy == null) {
            closedBy = "nproxy " + code + (reason == null ? "" : " " + reason);
        }
        client.close(code, reason);
        upstream.close(code, reason);
    }

    /** Drops both connections without a close handshake. */
    void abort() {
        client.abort();
        upstream.abort();
        finish();
    }

    /** The client upgrade failed after the upstream one succeeded: close the upstream side. */
    void clientUpgradeFailed(String reason) {
        closedBy = "nproxy: client upgrade failed: " + reason;
        upstream.close(CloseStatus.SHUTDOWN, "client upgrade failed");
        if (upstream.session == null) {
            finish();
        }
    }

    private void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        registry.remove(this);
        if (started.get()) {
            meters.open.decrementAndGet();
        }
        member.state().end();
        if (LOG.isInfoEnabled()) {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            LOG.info("tunnel {} peer={} duration_ms={} client_to_upstream_bytes={} client_to_upstream_messages={}"
                    + " upstream_to_client_bytes={} upstream_to_client_messages={} closed_by={}",
                label, member.address(), ms, client.bytesIn.get(), client.messagesIn.get(),
                upstream.bytesIn.get(), upstream.messagesIn.get(), closedBy);
        }
    }

    /** A close frame waiting to be relayed as the echo of the other side's close, and its callback. */
    private record Answer(Frame frame, Callback callback) {
    }

    /** One end of the tunnel: receives its peer's frames and writes them to the other end. */
    private final class Side implements FrameHandler {
        private final String name;
        private final AtomicLong bytesIn = new AtomicLong();
        private final AtomicLong messagesIn = new AtomicLong();
        private Side other;
        /** Data frames and payload bytes this side sends through the tunnel. */
        private io.micrometer.core.instrument.Counter frames;
        private io.micrometer.core.instrument.Counter bytes;
        private volatile CoreSession session;
        private volatile boolean closed;
        private volatile boolean closeReceived;
        private long messageBytes; // the current incoming message so far; frames arrive one at a time
        /** This side's close frame, relayed, waiting for the other side's answer (guarded by {@link #closing}). */
        private Callback heldClose;
        /** This side's answering close, arrived before the other side's close was through (guarded by closing). */
        private Answer answer;
        /** This side's close frame is being relayed to the other side (guarded by closing). */
        private boolean relaying;

        Side(String name) {
            this.name = name;
        }

        @Override
        public void onOpen(CoreSession coreSession, Callback callback) {
            session = coreSession;
            callback.succeeded();
            maybeStart();
        }

        @Override
        public void onFrame(Frame frame, Callback callback) {
            byte opcode = frame.getOpCode();
            int length = frame.getPayloadLength();
            bytesIn.addAndGet(length);
            if (opcode == OpCode.PONG && PING.equals(frame.getPayload())) {
                callback.succeeded(); // the answer to our own keep-alive ping
                session.demand();
                return;
            }
            if (opcode == OpCode.CLOSE) {
                closeReceived = true;
                if (closedBy == null) {
                    CloseStatus status = CloseStatus.getCloseStatus(frame);
                    closedBy = name + " " + (status == null ? CloseStatus.NO_CODE : status.getCode())
                        + (status == null || status.getReason() == null ? "" : " " + status.getReason());
                }
                onClose(frame, callback);
                return;
            }
            if (OpCode.isDataFrame(opcode)) {
                messageBytes = opcode == OpCode.CONTINUATION ? messageBytes + length : length;
                if (settings.maxMessageSize() > 0 && messageBytes > settings.maxMessageSize()) {
                    callback.succeeded();
                    closeBoth(CloseStatus.MESSAGE_TOO_LARGE, "message larger than " + settings.maxMessageSize() + " bytes");
                    session.demand(); // read on (discarding) up to the peer's answering close frame
                    return;
                }
                if (frame.isFin()) {
                    messagesIn.incrementAndGet();
                }
            }
            CoreSession target = other.session;
            if (target == null || !target.isOutputOpen()) {
                // The other side is closing: drop the frame, but read on to this side's close frame.
                callback.succeeded();
                session.demand();
                return;
            }
            if (OpCode.isDataFrame(opcode)) {
                frames.increment();
                bytes.increment(length);
            }
            target.sendFrame(copy(frame), Callback.from(() -> {
                callback.succeeded();
                session.demand();
            }, x -> {
                callback.failed(x);
                LOG.debug("tunnel {}: writing to the {} failed", label, other.name, x);
            }), false);
        }

        /**
         * A close frame from this side. When the other side has not closed yet, it is relayed there
         * and this side's callback is held: Jetty would echo the close to this side as soon as it
         * completes, and every message the other side sends before its own close must reach this
         * side first. The other side's close then goes to this side as the echo
         * ({@link #answer}); if the other side drops instead, its {@link #onClosed} lets Jetty echo.
         */
        private void onClose(Frame frame, Callback callback) {
            if (other.closeReceived && proxyClose == null) {
                answer(copy(frame), callback);
                return;
            }
            CoreSession target = other.session;
            if (target == null || !target.isOutputOpen() || proxyClose != null) {
                callback.succeeded(); // the answer to our own close (stop, message too big), or the other side is gone
                return;
            }
            synchronized (closing) {
                relaying = true;
            }
            target.sendFrame(copy(frame), Callback.from(() -> hold(callback), x -> hold(callback)), false);
        }

        /** This side's close went through to the other side: wait for its answer, unless it came already. */
        private void hold(Callback callback) {
            Answer a;
            synchronized (closing) {
                a = other.answer;
                other.answer = null;
                if (a == null) {
                    heldClose = callback;
                    if (other.closed) {
                        heldClose = null; // the other side is gone without an answer: let Jetty echo now
                    } else {
                        return;
                    }
                }
            }
            if (a == null) {
                callback.succeeded();
            } else {
                deliver(a, callback);
            }
        }

        /** This side's close answers the other side's: it becomes the other side's echo. */
        private void answer(Frame frame, Callback callback) {
            Callback held;
            synchronized (closing) {
                held = other.heldClose;
                other.heldClose = null;
                if (held == null && other.relaying) {
                    answer = new Answer(frame, callback); // the other side's close is still on its way there
                    return;
                }
            }
            if (held != null) {
                other.deliver(new Answer(frame, callback), held);
            } else {
                // The other side's close was not relayed (both closed at once, or this side was gone): each
                // side gets Jetty's echo of its own close.
                callback.succeeded();
            }
        }

        /** Writes the other side's answering close to this side, then completes both close frames. */
        private void deliver(Answer a, Callback held) {
            CoreSession s = session;
            Runnable done = () -> {
                held.succeeded();
                a.callback().succeeded();
            };
            if (s != null && s.isOutputOpen()) {
                s.sendFrame(a.frame(), Callback.from(done, x -> done.run()), false);
            } else {
                done.run();
            }
        }

        private static Frame copy(Frame frame) {
            // Parsed frames are read-only and masked per hop: a fresh header over the same payload.
            return new Frame(frame.getOpCode(), frame.isFin(), frame.getPayload());
        }

        @Override
        public void onError(Throwable cause, Callback callback) {
            LOG.debug("tunnel {}: {} side failed: {}", label, name, cause.toString());
            callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus closeStatus, Callback callback) {
            Callback otherHeld;
            Answer unsent;
            synchronized (closing) {
                closed = true;
                otherHeld = other.heldClose; // the other side waited for this side's answer: it will not come
                other.heldClose = null;
                unsent = answer;
                answer = null;
            }
            if (otherHeld != null) {
                otherHeld.succeeded();
            }
            if (unsent != null) {
                unsent.callback().succeeded();
            }
            callback.succeeded();
            if (closedBy == null) {
                closedBy = name + " " + closeStatus.getCode() + " (connection " + (closeStatus.getReason() == null
                    ? "closed" : closeStatus.getReason()) + ")";
            }
            CoreSession target = other.session;
            // A side that sent a close itself gets Jetty's echo of it once its frame is through; only a side
            // that is not closing yet needs to hear that this one went.
            if (target != null && target.isOutputOpen() && !other.closeReceived) {
                CloseStatus ours = proxyClose;
                if (ours != null) {
                    target.close(ours.getCode(), ours.getReason(), Callback.NOOP);
                } else {
                    int code = CloseStatus.isTransmittableStatusCode(closeStatus.getCode())
                        ? closeStatus.getCode() : CloseStatus.SHUTDOWN;
                    target.close(code, name + " went away", Callback.NOOP);
                }
            }
            if (other.closed || other.session == null) {
                finish();
            }
        }

        void ping() {
            CoreSession s = session;
            if (s != null && s.isOutputOpen()) {
                s.sendFrame(new Frame(OpCode.PING, PING.slice()), Callback.NOOP, false);
            }
        }

        void close(int code, String reason) {
            CoreSession s = session;
            if (s != null && s.isOutputOpen()) {
                s.close(code, reason, Callback.NOOP);
            }
        }

        void abort() {
            CoreSession s = session;
            if (s != null && !closed) {
                s.abort();
            }
        }
    }
}
