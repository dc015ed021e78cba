package org.nproxy.upstream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The pool clients' end point to a peer. From the moment a request begins on the connection
 * until its final response head has been read, bytes read are held until each head is complete
 * and {@link ResponseHeads} has rewritten it; after that, and whenever what arrives is not a
 * response head, bytes pass straight through. Heads come only after a request begins (Jetty's
 * client sends the next request on a connection once the previous answer is complete), so body
 * bytes are never scanned.
 *
 * <p>Reads are declared non-blocking ({@link #fillInterested}): the selector thread that sees an
 * answer parses it and runs the proxy's listeners itself (they only copy headers and start
 * writes with callbacks) instead of handing every read to another thread.
 */
final class ResponseFraming extends SocketChannelEndPoint {
    /** A response head larger than this is passed on unscanned (Jetty's parser then refuses it). */
    private final int maxHead;
    /** True from a request's begin until its final answer's head is complete. */
    private volatile boolean scanning;
    /** Bytes read but not handed to Jetty yet (flush mode, heap), or null. */
    private ByteBuffer held;
    /** Bytes at the front of {@link #held} that were scanned and may go. */
    private int released;
    private boolean eof;

    ResponseFraming(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler, int maxHead) {
        super(channel, selector, key, scheduler);
        this.maxHead = maxHead;
    }

    /** Request listener for the client: the head of this request's answer is scanned. */
    static void onBegin(Request request) {
        if (request.getConnection() instanceof org.eclipse.jetty.io.Connection c
            && c.getEndPoint() instanceof ResponseFraming framing) {
            framing.scanning = true;
        }
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        if (held == null && !scanning) {
            return super.fill(buffer);
        }
        if (held == null) {
            held = ByteBuffer.allocate(Math.max(4096, buffer.capacity()));
            held.flip();
            released = 0;
        }
        scan();
        if (released == 0 && !eof) {
            int n = readMore();
            if (n < 0) {
                eof = true;
                scanning = false;
                released = held.remaining(); // an incomplete head: Jetty says what is wrong with it
            } else if (n > 0) {
                scan();
            }
        }
        int n = Math.min(released, BufferUtil.space(buffer));
        if (n > 0) {
            int pos = BufferUtil.flipToFill(buffer);
            buffer.put(held.array(), held.arrayOffset() + held.position(), n);
            BufferUtil.flipToFlush(buffer, pos);
            held.position(held.position() + n);
            released -= n;
        }
        if (!held.hasRemaining()) {
            held = null;
            if (n == 0 && eof) {
                return -1;
            }
        }
        return n;
    }

    /** Scans the unreleased bytes for complete heads while scanning; releases everything once not. */
    private void scan() {
        while (scanning) {
            int from = held.arrayOffset() + held.position() + released;
            int to = held.arrayOffset() + held.limit();
            ResponseHeads.Head head = ResponseHeads.scan(held.array(), from, to);
            if (head == ResponseHeads.Head.INCOMPLETE) {
                if (to - from > maxHead) {
                    scanning = false; // too large for Jetty anyway: it will say so
                }
                break;
            }
            if (head == ResponseHeads.Head.NOT_A_HEAD) {
                scanning = false;
                break;
            }
            released = head.end() - held.arrayOffset() - held.position();
            if (!head.interim()) {
                scanning = false;
            }
        }
        if (!scanning) {
            released = held.remaining();
        }
    }

    /** Reads from the socket into {@link #held}, growing it when full. */
    private int readMore() throws IOException {
        if (held.limit() == held.capacity()) {
            if (held.position() > 0) {
                held.compact().flip();
            } else {
                ByteBuffer bigger = ByteBuffer.allocate(held.capacity() * 2);
                bigger.put(held).flip();
                held = bigger;
            }
        }
        return super.fill(held);
    }

    @Override
    public void fillInterested(Callback callback) {
        super.fillInterested(new NonBlocking(callback));
    }

    @Override
    public boolean tryFillInterested(Callback callback) {
        return super.tryFillInterested(new NonBlocking(callback));
    }

    /** A read callback that may run on the selector thread. */
    private record NonBlocking(Callback delegate) implements Callback {
        @Override
        public void succeeded() {
            delegate.succeeded();
        }

        @Override
        public void failed(Throwable x) {
            delegate.failed(x);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }
}
