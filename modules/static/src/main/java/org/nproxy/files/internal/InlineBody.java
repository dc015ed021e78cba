package org.nproxy.files.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.Handlers;

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
            Handlers.endWithoutBody(response, callback);
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
