package org.nproxy.server.internal.http1;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoint Jetty's HTTP/1.1 connection reads from: it forwards every call to the real one
 * (the socket, or TLS's decrypted endpoint) and follows the request framing of the bytes each
 * {@link #fill} brings ({@link Http1Framing}) before Jetty's parser sees them, for three of
 * issue 18's defences that Jetty 12.0 has no public hook for:
 * <ul>
 *   <li><b>request-head deadline</b>: a head must be complete within {@code header-timeout},
 *       counted from the connection's start for the first request and from the first byte of
 *       the head for later ones (the wait between keep-alive requests is the idle timeout's). At
 *       the deadline, if Jetty is waiting for bytes, a bare 408 is written and the connection
 *       closed. While Jetty is still busy with an earlier request (a pipelined head arrived
 *       behind it), the 408 waits until Jetty asks for bytes again: no answer may cross another.</li>
 *   <li><b>strict chunked framing</b>: a chunk line ending in a bare LF, or chunk data not
 *       followed by CRLF, has its offending byte replaced with NUL, which Jetty's parser refuses
 *       with 400 at exactly that point, after any request before it was answered.</li>
 *   <li><b>HTTP/2 preface</b>: a {@code PRI} head that is not exactly {@code PRI * HTTP/2.0}
 *       without fields closes the connection with no HTTP/1.1 page.</li>
 * </ul>
 * After an upgrade (h2c, WebSocket) every call is a plain forward. The deadline costs one
 * {@code nanoTime}, one volatile write and one CAS per request head; its timer is armed at most
 * once per deadline period per connection, not once per request.
 */
final class GuardedEndPoint extends ForwardingEndPoint implements Http1Framing.Events, Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedEndPoint.class);
    private static final byte[] TIMEOUT_408 = ("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    /** When the deadline passed while Jetty was busy: look again this often. */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    // headStart: the nanoTime a head started, or one of these.
    private static final long NO_HEAD = Long.MIN_VALUE;
    private static final long EXPIRED = Long.MIN_VALUE + 1;
    private static final long OFF = Long.MIN_VALUE + 2;
    private static final VarHandle HEAD_START;
    private static final VarHandle ARMED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD_START = lookup.findVarHandle(GuardedEndPoint.class, "headStart", long.class);
            ARMED = lookup.findVarHandle(GuardedEndPoint.class, "armed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Scheduler scheduler;
    private final long timeoutNanos;
    private final Http1Framing framing;
    private final Runnable onTimer = this::onTimer;
    /** Only the filling thread reads and writes it (Jetty never fills one endpoint from two threads at once). */
    private boolean following = true;
    @SuppressWarnings("unused") // through HEAD_START
    private volatile long headStart;
    @SuppressWarnings("unused") // through ARMED
    private volatile boolean armed;
    private volatile Scheduler.Task timer;

    /**
     * @param timeoutNanos the head deadline; 0 = none
     * @param h2c          whether the connector takes HTTP/2 with prior knowledge
     */
    GuardedEndPoint(EndPoint endPoint, Scheduler scheduler, long timeoutNanos, boolean h2c) {
        super(endPoint);
        this.scheduler = scheduler;
        this.timeoutNanos = timeoutNanos;
        this.framing = new Http1Framing(this, h2c);
        // The first head's clock starts now, before Jetty can read a byte (nginx's client_header_timeout).
        headStart = timeoutNanos > 0 ? now() : OFF;
        if (timeoutNanos > 0) {
            armed = true;
            schedule(timeoutNanos);
        }
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        int filled = endPoint.fill(buffer);
        if (filled <= 0 || !following) {
            return filled;
        }
        int end = buffer.limit();
        int from = end - filled; // fill appends: the new bytes are the last ones
        if ((long) HEAD_START.getVolatile(this) == EXPIRED) {
            buffer.limit(from); // the 408 is being written: Jetty gets no more bytes
            return 0;
        }
        switch (framing.scan(buffer, from, end)) {
            case Http1Framing.BAD_CHUNK -> {
                LOG.debug("{}: chunked framing broken at byte {} of a fill, 400", endPoint.getRemoteSocketAddress(),
                    framing.badIndex() - from);
                buffer.put(framing.badIndex(), (byte) 0); // Jetty refuses a NUL in chunk framing with 400
            }
            case Http1Framing.BAD_PREFACE -> {
                LOG.debug("{}: invalid HTTP/2 connection preface, closing", endPoint.getRemoteSocketAddress());
                buffer.limit(from);
                stopFollowing();
                endPoint.close();
                return -1;
            }
            case Http1Framing.TIMED_OUT -> {
                buffer.limit(from); // and every later fill drops its bytes too (EXPIRED above)
                return 0;
            }
            default -> {
            }
        }
        if (framing.state() == Http1Framing.PASSIVE) {
            stopFollowing();
        }
        return filled;
    }

    @Override
    public void headStarted() {
        if (!HEAD_START.compareAndSet(this, NO_HEAD, now())) {
            return; // the first head (its clock runs from the start), or the deadline is off
        }
        // Dekker with onTimer: it clears ARMED, then looks at HEAD_START; we set HEAD_START, then look at ARMED.
        if (!(boolean) ARMED.getVolatile(this) && ARMED.compareAndSet(this, false, true)) {
            schedule(timeoutNanos);
        }
    }

    @Override
    public boolean headEnded() {
        long start = (long) HEAD_START.getVolatile(this);
        return start == OFF || start != EXPIRED && HEAD_START.compareAndSet(this, start, NO_HEAD);
    }

    private void stopFollowing() {
        following = false;
        framing.stop();
        long start;
        do {
            start = (long) HEAD_START.getVolatile(this);
        } while (start != EXPIRED && start != OFF && !HEAD_START.compareAndSet(this, start, OFF));
        cancelTimer();
    }

    private void onTimer() {
        while (true) {
            long start = (long) HEAD_START.getVolatile(this);
            if (start == OFF || start == EXPIRED || !endPoint.isOpen()) {
                return;
            }
            if (start == NO_HEAD) {
                ARMED.setVolatile(this, false);
                if ((long) HEAD_START.getVolatile(this) == NO_HEAD || !ARMED.compareAndSet(this, false, true)) {
                    return; // idle; the next head arms the timer again
                }
                continue; // a head started meanwhile and saw the timer still armed
            }
            long left = start + timeoutNanos - System.nanoTime();
            if (left > 0) {
                schedule(left);
                return;
            }
            if (!endPoint.isFillInterested()) {
                // Jetty is busy (an earlier request is being handled, or it is between two reads):
                // an answer now could cross another. Look again shortly.
                schedule(RECHECK_NANOS);
                return;
            }
            if (HEAD_START.compareAndSet(this, start, EXPIRED)) {
                expire();
                return;
            }
        }
    }

    private void expire() {
        LOG.debug("{}: request head not complete after {} ms, 408", endPoint.getRemoteSocketAddress(),
            TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        try {
            endPoint.write(Callback.from(endPoint::close, x -> endPoint.close()), ByteBuffer.wrap(TIMEOUT_408));
        } catch (RuntimeException e) {
            endPoint.close(); // a write still pending: no answer is possible, only the close
        }
    }

    private void schedule(long delayNanos) {
        timer = scheduler.schedule(onTimer, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        Scheduler.Task task = timer;
        if (task != null) {
            task.cancel();
        }
    }

    private static long now() {
        long now = System.nanoTime();
        return now <= OFF ? OFF + 1 : now;
    }

    /** The HTTP/1.1 connection closed: the deadline has nothing left to guard. */
    @Override
    public void onClosed(Connection connection) {
        HEAD_START.setVolatile(this, OFF);
        cancelTimer();
    }

    @Override
    public void upgrade(Connection newConnection) {
        // h2c or WebSocket: from now on the bytes are not HTTP/1.1. Jetty upgrades from the thread
        // that handled the last request, when no fill is under way.
        following = false;
        framing.stop();
        HEAD_START.setVolatile(this, OFF);
        cancelTimer();
        super.upgrade(newConnection);
    }
}
