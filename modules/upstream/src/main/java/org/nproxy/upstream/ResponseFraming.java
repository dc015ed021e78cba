package org.nproxy.upstream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;
import org.nproxy.server.ShortReadEndPoint;

/**
 * The pool clients' end point to a peer. From the moment a request begins on the connection
 * until its final response head has been read, bytes read are held until each head is complete
 * and {@link ResponseHeads} has rewritten it; after that, and whenever what arrives is not a
 * response head, bytes pass straight through. Heads come only after a request begins (Jetty's
 * client sends the next request on a connection once the previous answer is complete), so body
 * bytes are never scanned.
 *
 * <p>Reads are declared non-blocking ({@link #readNonBlocking()}): the selector thread that sees an
 * answer parses it and runs the proxy's listeners itself (they only copy headers and start
 * writes with callbacks) instead of handing every read to another thread. After a short read
 * the next fill answers 0 without a system call ({@link ShortReadEndPoint}).
 */
final class ResponseFraming extends ShortReadEndPoint {
    /** A response head larger than this is passed on unscanned (Jetty's parser then refuses it). */
    private final int maxHead;
    /** True from a request's begin until its final answer's head is complete. */
    private volatile boolean scanning;
    /** The start of a head that arrived incomplete and the bytes after it (flush mode, heap), or null. */
    private ByteBuffer held;
    /** Absolute index in {@link #held}: the bytes from its position up to here were scanned and may go. */
    private int releasable;
    private boolean eof;

    ResponseFraming(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler, int maxHead) {
        super(channel, selector, key, scheduler);
        this.maxHead = maxHead;
        readNonBlocking();
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
        if (held == null) {
            if (!scanning) {
                return super.fill(buffer);
            }
            // Usually a head arrives whole: read into Jetty's buffer and rewrite it there.
            int start = buffer.limit();
            int n = super.fill(buffer);
            if (n <= 0) {
                return n;
            }
            int end = scan(buffer, start, buffer.limit());
            if (end == buffer.limit()) {
                return n;
            }
            // An incomplete head: kept back until the rest arrives.
            held = ByteBuffer.allocate(Math.max(4096, 2 * (buffer.limit() - end)));
            held.put(buffer.duplicate().position(end)).flip();
            releasable = 0;
            buffer.limit(end);
            return end - start;
        }
        if (releasable == held.position() && !eof) {
            int n = readMore();
            if (n < 0) {
                eof = true;
                scanning = false;
                releasable = held.limit(); // an incomplete head: Jetty says what is wrong with it
            } else if (n > 0) {
                releasable = scan(held, held.position(), held.limit());
            }
        }
        int n = Math.min(releasable - held.position(), BufferUtil.space(buffer));
        if (n > 0) {
            int pos = BufferUtil.flipToFill(buffer);
            buffer.put(held.slice(held.position(), n));
            BufferUtil.flipToFlush(buffer, pos);
            held.position(held.position() + n);
        }
        if (!held.hasRemaining()) {
            held = null;
            if (n == 0 && eof) {
                return -1;
            }
        }
        return n;
    }

    /**
     * Scans {@code [from, to)} of {@code bytes} for heads while scanning, rewriting each complete
     * one; returns where the bytes that may go end: {@code to}, or the start of an incomplete head.
     */
    private int scan(ByteBuffer bytes, int from, int to) {
        while (scanning) {
            ResponseHeads.Head head = ResponseHeads.scan(bytes, from, to);
            if (head == ResponseHeads.Head.INCOMPLETE) {
                if (to - from <= maxHead) {
                    return from;
                }
                scanning = false; // too large for Jetty anyway: it will say so
            } else if (head == ResponseHeads.Head.NOT_A_HEAD) {
                scanning = false;
            } else {
                from = head.end();
                if (!head.interim()) {
                    scanning = false;
                }
            }
        }
        return to;
    }

    /** Reads from the socket into {@link #held} (nothing of it releasable), growing it when full. */
    private int readMore() throws IOException {
        if (held.limit() == held.capacity()) {
            if (held.position() > 0) {
                held.compact().flip();
            } else {
                ByteBuffer bigger = ByteBuffer.allocate(held.capacity() * 2);
                bigger.put(held).flip();
                held = bigger;
            }
            releasable = held.position();
        }
        return super.fill(held);
    }
}
