package org.nproxy.server.internal.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritePendingException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLEngine;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * A TLS connection whose HTTP/2 answers, written by non-blocking handlers while one read is being
 * processed, go out together: one TLS record and one {@code writev} for all of them instead of
 * one per stream.
 *
 * <p>Why: a client with several streams in flight sends several requests in one read. Jetty runs a
 * non-blocking chain (such as {@code <return>}) in place for each of them, and each answer's
 * HEADERS and DATA were encrypted and written at once, before the next request was even parsed:
 * one {@code SSLEngine.wrap} and one {@code writev} (with its wake-up of the client) per request.
 *
 * <p>How: while the thread that read the bytes ({@link BatchingEndPoint#onFillable}) runs a
 * request inline (the {@link #inline} scope, opened by the dispatcher), writes are copied into a
 * batch of at most {@link #LIMIT} bytes (one TLS record) and reported written. The batch goes out
 * when that thread reads again and finds nothing, when it leaves its read, or before any other
 * write. Only code that cannot block runs in that scope, so a batch never waits on a handler.
 * {@code -Dnproxy.h2-write-batching=false} turns it off.
 */
public final class BatchingSslConnection extends SslConnection {
    static final boolean ENABLED = !"false".equals(System.getProperty("nproxy.h2-write-batching"));
    /** Plaintext of one TLS record: a batch is encrypted as one record. */
    static final int LIMIT = 16 * 1024;

    private final ByteBufferPool pool;

    public BatchingSslConnection(ByteBufferPool pool, Executor executor, SslContextFactory factory, EndPoint endPoint,
                                 SSLEngine engine, boolean encryptedDirect, boolean decryptedDirect) {
        super(pool, executor, factory, endPoint, engine, encryptedDirect, decryptedDirect);
        this.pool = pool;
    }

    @Override
    protected SslEndPoint newSslEndPoint() {
        return new BatchingEndPoint();
    }

    /**
     * Opens the batching scope for a request handled in place on the thread that read it (HTTP/2
     * over TLS only); returns the end point to {@link BatchingEndPoint#exitInline close} it with,
     * or null when writes of this request cannot be batched.
     */
    public static BatchingEndPoint inline(Request request) {
        if (!ENABLED || request.getConnectionMetaData().getHttpVersion() != HttpVersion.HTTP_2) {
            return null;
        }
        if (request.getConnectionMetaData().getConnection().getEndPoint() instanceof BatchingEndPoint endPoint
            && endPoint.reader == Thread.currentThread()) {
            endPoint.inline++;
            return endPoint;
        }
        return null;
    }

    /** The decrypted side of the connection, with the batch. */
    public final class BatchingEndPoint extends SslEndPoint {
        /** The thread inside {@link #onFillable()}, else null; only that thread batches. */
        private Thread reader;
        /** Depth of {@link #inline} scopes open on {@link #reader}; touched by that thread only. */
        private int inline;

        private final ReentrantLock lock = new ReentrantLock();
        /** Bytes reported written and not yet flushed (guarded by lock). */
        private RetainableByteBuffer batch;
        /** A write of the batch alone owns the write flusher (guarded by lock). */
        private boolean draining;
        /** Writes in progress through {@link #write} (guarded by lock): they flush the batch first. */
        private int writers;
        /** The one write that came while draining, started when the drain ends (guarded by lock). */
        private Callback parkedCallback;
        private ByteBuffer[] parkedBuffers;

        private final Callback drained = Callback.from(Invocable.InvocationType.NON_BLOCKING,
            () -> afterDrain(null), this::afterDrain);

        /** Closes a scope opened by {@link BatchingSslConnection#inline}. */
        public void exitInline() {
            inline--;
        }

        @Override
        protected void onFillable() {
            Thread previous = reader;
            reader = Thread.currentThread();
            try {
                super.onFillable();
            } finally {
                reader = previous;
                release();
            }
        }

        @Override
        public int fill(ByteBuffer buffer) throws IOException {
            int filled = super.fill(buffer);
            // EMPTY_BUFFER: the TLS layer's own fill during a handshake step, under its lock.
            if (filled <= 0 && buffer != BufferUtil.EMPTY_BUFFER) {
                release(); // nothing more to read now: the answers so far go out before we wait
            }
            return filled;
        }

        @Override
        public void write(Callback callback, ByteBuffer... buffers) throws WritePendingException {
            lock.lock();
            try {
                if (draining) {
                    parkedCallback = callback;
                    parkedBuffers = buffers;
                    return;
                }
                writers++;
            } finally {
                lock.unlock();
            }
            try {
                super.write(callback, buffers);
            } finally {
                writeReturned();
            }
        }

        /**
         * A write through {@link #write} returned. A batch left while it ran (a {@link #release}
         * that found it busy) goes out now, unless this thread is still batching.
         */
        private void writeReturned() {
            boolean release;
            lock.lock();
            try {
                writers--;
                release = writers == 0 && batch != null && !draining && !(reader == Thread.currentThread() && inline > 0);
            } finally {
                lock.unlock();
            }
            if (release) {
                release();
            }
        }

        @Override
        public boolean flush(ByteBuffer... buffers) throws IOException {
            lock.lock();
            try {
                if (batching()) {
                    long bytes = BufferUtil.remaining(buffers);
                    int held = batch == null ? 0 : batch.remaining();
                    if (held + bytes <= LIMIT) {
                        append(buffers);
                        return true;
                    }
                }
                if (batch == null) {
                    return super.flush(buffers);
                }
                ByteBuffer held = batch.getByteBuffer();
                ByteBuffer[] all = new ByteBuffer[buffers.length + 1];
                all[0] = held;
                System.arraycopy(buffers, 0, all, 1, buffers.length);
                try {
                    return super.flush(all);
                } finally {
                    if (!held.hasRemaining()) {
                        batch.release();
                        batch = null;
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        private boolean batching() {
            return ENABLED && inline > 0 && reader == Thread.currentThread() && !draining;
        }

        private void append(ByteBuffer[] buffers) {
            if (batch == null) {
                batch = pool.acquire(LIMIT, false);
            }
            ByteBuffer held = batch.getByteBuffer();
            int position = BufferUtil.flipToFill(held);
            for (ByteBuffer b : buffers) {
                held.put(b);
            }
            BufferUtil.flipToFlush(held, position);
        }

        /**
         * Writes the batch through the write flusher, which finishes it later if the socket is full.
         * Another write in progress flushes the batch first itself.
         */
        private void release() {
            lock.lock();
            try {
                if (batch == null || draining || writers > 0) {
                    return; // a write in progress flushes the batch first, or releases it when it returns
                }
                draining = true;
            } finally {
                lock.unlock();
            }
            try {
                super.write(drained, BufferUtil.EMPTY_BUFFER);
            } catch (WritePendingException e) {
                // A write waits for the socket: when it goes on, it flushes the batch ahead of its own bytes.
                afterDrain(null);
            }
        }

        private void afterDrain(Throwable failure) {
            Callback callback;
            ByteBuffer[] buffers;
            lock.lock();
            try {
                draining = false;
                callback = parkedCallback;
                buffers = parkedBuffers;
                parkedCallback = null;
                parkedBuffers = null;
                if (callback == null) {
                    return;
                }
                writers++;
            } finally {
                lock.unlock();
            }
            try {
                super.write(callback, buffers); // after a failure the write flusher fails it too
            } finally {
                writeReturned();
            }
        }

        @Override
        public void doClose() {
            try {
                super.doClose(); // flushes the batch ahead of the TLS close_notify
            } finally {
                lock.lock();
                try {
                    if (batch != null) {
                        batch.release();
                        batch = null;
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
