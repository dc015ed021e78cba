package org.nproxy.files.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.nproxy.spi.RequestVariables;

/**
 * Sends a {@link Body} whose headers (with Content-Length) are already set on the response.
 * Blocking: runs on a virtual thread (see {@link Offload}) and returns when everything is on the wire.
 *
 * <p><b>Zero copy</b> applies to a cleartext HTTP/1.1 connection (Jetty's HTTP/1.1 connection
 * straight on a {@link SocketChannelEndPoint}): Jetty commits and flushes the headers through a
 * non-last empty write, then file regions go out with {@link FileChannel#transferTo} (Linux
 * {@code sendfile(2)}) on the endpoint's non-blocking socket. When the socket is full
 * (transferTo returns 0) one byte of the file is handed to {@link EndPoint#write}, whose
 * {@code WriteFlusher} waits for writability on Jetty's selector, so nothing spins and idle
 * timeouts still apply. The caller then succeeds the request callback: Jetty's last write is
 * empty, its generator ends the content-length body and keeps the connection persistent. Jetty
 * checks written-vs-Content-Length only on {@code write()} calls and at completion of a response
 * that is not yet committed, so bytes sent beside it do not trip it; the access log's byte count
 * comes from the {@link RequestVariables#HANDLER_BYTES_SENT} request key instead.
 *
 * <p>Everything else (TLS, h2, h3) copies through {@link Response#write} in pooled chunks, the
 * final one as the last write, so the caller's success completes an already finished response.
 * (The zero-copy path cannot: Jetty would count the sendfile bytes as missing.)
 *
 * <p>A file that shrinks while being sent raises an {@link IOException}: the caller fails the
 * callback and Jetty closes the connection, so a client never sees a short body that looks whole.
 */
public final class BodySender {
    /** Request attribute: body bytes this module put on the wire beside Jetty (for access logs). */

    private BodySender() {
    }

    /**
     * Whether this exchange can take the sendfile path: Jetty's HTTP/1.1 connection on a plain
     * socket, and a response nobody wraps (a wrapping handler such as a cache must see every byte).
     */
    public static boolean zeroCopyPossible(Request request, Response response) {
        if (response instanceof Response.Wrapper) {
            return false;
        }
        Connection connection = request.getConnectionMetaData().getConnection();
        // HTTP/1.x straight on a socket: h2c shares the socket end point but frames its data.
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        return (version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0)
            && socket(connection) != null;
    }

    /**
     * The socket's endpoint of a cleartext connection: the server's HTTP/1.1 connection reads
     * through a wrapping endpoint (its request-head guard) that forwards writes unchanged, so
     * the file may go to the socket beneath it. Never under TLS: that socket carries ciphertext.
     */
    private static SocketChannelEndPoint socket(Connection connection) {
        EndPoint endPoint = connection.getEndPoint();
        while (endPoint instanceof EndPoint.Wrapper wrapper && !endPoint.isSecure()) {
            endPoint = wrapper.unwrap();
        }
        return endPoint instanceof SocketChannelEndPoint socket ? socket : null;
    }

    public static void sendfile(Request request, Response response, FileChannel file, Body body) throws IOException {
        SocketChannelEndPoint endPoint = socket(request.getConnectionMetaData().getConnection());
        SocketChannel socket = endPoint.getChannel();
        try (Blocker.Callback headers = Blocker.callback()) {
            response.write(false, null, headers);
            headers.block();
        }
        // Jetty delivers an idle timeout to a busy request only through its own pending reads and
        // writes, or to these listeners: ours closes the endpoint, which fails the write we wait on.
        request.addIdleTimeoutListener(timeout -> {
            endPoint.close(timeout);
            return false;
        });
        long sent = 0;
        for (Body.Part part : body.parts()) {
            if (part instanceof Body.Bytes bytes) {
                write(endPoint, bytes.buffer());
            } else {
                Body.Region region = (Body.Region) part;
                long position = region.position();
                long end = position + region.length();
                while (position < end) {
                    long n = file.transferTo(position, end - position, socket);
                    if (n > 0) {
                        position += n;
                        endPoint.notIdle();
                        continue;
                    }
                    // Socket full, or the file shrank: send one byte through Jetty, which waits for writability.
                    ByteBuffer one = ByteBuffer.allocate(1);
                    if (file.read(one, position) != 1) {
                        throw new IOException("file shrank while being sent at byte " + position + " of " + end);
                    }
                    write(endPoint, one.flip());
                    position++;
                }
            }
            sent += part.length();
            RequestVariables.HANDLER_BYTES_SENT.set(request, sent);
        }
    }

    private static void write(EndPoint endPoint, ByteBuffer buffer) throws IOException {
        try (Blocker.Callback written = Blocker.callback()) {
            endPoint.write(written, buffer);
            written.block();
        }
    }

    public static void copy(Request request, Response response, FileChannel file, Body body, int chunkSize)
        throws IOException {
        ByteBufferPool pool = request.getComponents().getByteBufferPool();
        RetainableByteBuffer pooled = pool.acquire(chunkSize, false);
        long remaining = body.length();
        try {
            ByteBuffer buffer = pooled.getByteBuffer();
            for (Body.Part part : body.parts()) {
                if (part instanceof Body.Bytes bytes) {
                    remaining -= bytes.length();
                    write(response, bytes.buffer(), remaining == 0);
                    continue;
                }
                Body.Region region = (Body.Region) part;
                long position = region.position();
                long end = position + region.length();
                while (position < end) {
                    buffer.clear();
                    buffer.limit((int) Math.min(buffer.capacity(), end - position));
                    int n = file.read(buffer, position);
                    if (n <= 0) {
                        throw new IOException("file shrank while being sent at byte " + position + " of " + end);
                    }
                    position += n;
                    remaining -= n;
                    write(response, buffer.flip(), remaining == 0);
                }
            }
        } finally {
            pooled.release();
        }
    }

    private static void write(Response response, ByteBuffer buffer, boolean last) throws IOException {
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(last, buffer, written);
            written.block();
        }
    }
}
