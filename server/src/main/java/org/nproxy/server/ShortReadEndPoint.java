package org.nproxy.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A TCP end point that skips the read system call bound to find nothing. Jetty fills until a read
 * returns 0: after each request or answer it reads once more and gets {@code EAGAIN}, about one
 * wasted {@code read(2)} per message and direction (two per proxied request, measured with
 * {@code strace -c}). A read that left room in the buffer emptied the socket's receive queue at
 * that moment, so the next fill answers 0 without asking the kernel (nginx keeps the same "not
 * ready" mark after a short read). Jetty then registers read interest, and the selector's
 * level-triggered poll reports bytes that arrived in between: nothing is lost, at worst they wait
 * for one selector wake-up. The mark is cleared by that one fill and whenever read interest is
 * registered, so a fill after a wake-up always reads.
 *
 * <p>Used by every TCP listener ({@link #connector}) and by the upstream clients' end points.
 */
public class ShortReadEndPoint extends SocketChannelEndPoint {
    private static final boolean ENABLED = !"false".equals(System.getProperty("nproxy.short-reads"));
    /** The last read returned less than the room it had: the next fill may answer 0 at once. */
    private boolean drained;
    /** Set by {@link #readNonBlocking()}: read callbacks are declared non-blocking. */
    private volatile boolean nonBlockingReads;

    public ShortReadEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
        super(channel, selector, key, scheduler);
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        if (drained) {
            drained = false;
            return 0;
        }
        int room = room(buffer);
        int filled = super.fill(buffer);
        drained = ENABLED && filled > 0 && filled < room;
        return filled;
    }

    /** How many bytes a fill may append: Jetty's {@code BufferUtil.flipToFill} rules. */
    private static int room(ByteBuffer buffer) {
        if (!buffer.hasRemaining()) {
            return buffer.capacity();
        }
        if (buffer.limit() == buffer.capacity()) {
            return buffer.capacity() - buffer.remaining(); // compacted first
        }
        return buffer.capacity() - buffer.limit();
    }

    /**
     * Declares every later read of this connection non-blocking: the selector thread that sees the
     * bytes runs the connection's read callback itself instead of handing each read to another
     * thread. Only for a connection whose reading code never blocks: the upstream clients' HTTP/1.1
     * (their listeners start writes with callbacks) and WebSocket tunnels (frames relayed with
     * callbacks); Jetty types a WebSocket connection's reads blocking, which on virtual threads
     * starts a thread per frame.
     */
    public void readNonBlocking() {
        nonBlockingReads = true;
    }

    /**
     * Marks the TCP end point under {@code endPoint} (through TLS and Nproxy's HTTP/1.1 guard) with
     * {@link #readNonBlocking()}; false when there is none (h2 and h3 streams, an in-memory
     * connector).
     */
    public static boolean readNonBlocking(EndPoint endPoint) {
        for (int depth = 0; endPoint != null && depth < 4; depth++) {
            if (endPoint instanceof ShortReadEndPoint tcp) {
                tcp.readNonBlocking();
                return true;
            }
            if (!(endPoint instanceof EndPoint.Wrapper wrapper)) {
                return false;
            }
            endPoint = wrapper.unwrap(); // TLS's decrypted side, Nproxy's HTTP/1.1 guard
        }
        return false;
    }

    @Override
    public void fillInterested(Callback callback) {
        drained = false;
        super.fillInterested(nonBlockingReads ? nonBlocking(callback) : callback);
    }

    @Override
    public boolean tryFillInterested(Callback callback) {
        drained = false;
        return super.tryFillInterested(nonBlockingReads ? nonBlocking(callback) : callback);
    }

    /** The same callback, typed non-blocking: the selector thread may run it. */
    private static Callback nonBlocking(Callback callback) {
        return Callback.from(InvocationType.NON_BLOCKING, callback::succeeded, callback::failed);
    }
}
