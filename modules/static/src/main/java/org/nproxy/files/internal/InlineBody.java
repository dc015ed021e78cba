package org.nproxy.files.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Finishes an answer without blocking, on whatever thread runs the handler (usually the one
 * that parsed the request). A small body: positional reads of the open file into a buffer of
 * the server's pool, then one last {@link Response#write} that Jetty gathers with the headers;
 * the buffer goes back to the pool when that write completes. No body: an empty last write.
 */
final class InlineBody {
    private InlineBody() {
    }

    /**
     * Reads {@code region} and writes it as the whole response body. Throws, having sent nothing,
     * when the file no longer holds the region (it shrank since its size was announced).
     */
    static void send(Request request, Response response, Callback callback, FileChannel file, Body.Region region)
        throws IOException {
        int length = Math.toIntExact(region.length());
        if (length == 0) {
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
            return;
        }
        RetainableByteBuffer pooled = request.getComponents().getByteBufferPool().acquire(length, true);
        ByteBuffer buffer = pooled.getByteBuffer();
        try {
            buffer.clear().limit(length);
            readFully(file, region.position(), buffer);
            buffer.flip();
        } catch (IOException | RuntimeException e) {
            pooled.release();
            throw e;
        }
        response.write(true, buffer, new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                pooled.release();
                super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                pooled.release();
                super.failed(x);
            }
        });
    }

    /**
     * Ends a response that has no body (HEAD, 304, 416, redirects) on the handler's thread with
     * an explicit empty last write rather than a bare {@code callback.succeeded()}. With Jetty
     * 12.0.30 the bare form lets Jetty complete the response twice when the previous response on
     * the connection was completed by another thread that is still inside Jetty's serialized
     * write callbacks (the last-write callback then runs there, after the handler's thread has
     * already completed the stream; jetty/jetty.project#14745). With a last write, Jetty decides
     * completion once, under its lock.
     */
    static void finishWithoutBody(Response response, Callback callback) {
        response.write(true, BufferUtil.EMPTY_BUFFER, callback);
    }

    /** Fills {@code buffer} from {@code position}; throws when the file ends first. */
    static void readFully(FileChannel file, long position, ByteBuffer buffer) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = file.read(buffer, at);
            if (n <= 0) {
                throw new IOException("file shrank before it was sent: it ends before byte " + at);
            }
            at += n;
        }
    }
}
