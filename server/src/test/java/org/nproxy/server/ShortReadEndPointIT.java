package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.util.BufferUtil;
import org.junit.jupiter.api.Test;

/**
 * {@link ShortReadEndPoint} on a real loopback connection: after a read that left room in the
 * buffer the next fill answers 0 without reading (bytes that arrived meanwhile stay in the socket
 * for the fill after it), and after a read that filled the buffer the next fill reads.
 * Loopback TCP queues the bytes at the receiver before the sender's write returns.
 */
class ShortReadEndPointIT {
    @Test
    void theFillAfterAShortReadAnswersZeroAndLosesNothing() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel accepted = listener.accept()) {
            accepted.configureBlocking(false);
            ShortReadEndPoint endPoint = new ShortReadEndPoint(accepted, null, null, null);
            ByteBuffer buffer = BufferUtil.allocate(1024);

            client.write(ByteBuffer.wrap("first".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(5, fillUntilSomething(endPoint, buffer));
            client.write(ByteBuffer.wrap("second".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(0, endPoint.fill(buffer), "the fill after a short read reads nothing");
            assertEquals("first", BufferUtil.toString(buffer));
            assertEquals(6, endPoint.fill(buffer), "the one after it reads what came meanwhile");
            assertEquals("firstsecond", BufferUtil.toString(buffer));
        }
    }

    @Test
    void theFillAfterAFullReadReads() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel accepted = listener.accept()) {
            accepted.configureBlocking(false);
            ShortReadEndPoint endPoint = new ShortReadEndPoint(accepted, null, null, null);
            ByteBuffer small = BufferUtil.allocate(4);

            client.write(ByteBuffer.wrap("abcdefgh".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(4, fillUntilSomething(endPoint, small), "the buffer is full: more may wait in the socket");
            BufferUtil.clear(small);
            assertEquals(4, endPoint.fill(small), "so the next fill reads");
            assertEquals("efgh", BufferUtil.toString(small));
        }
    }

    /** Fills until bytes come (a fill before any short read always asks the socket). */
    private static int fillUntilSomething(ShortReadEndPoint endPoint, ByteBuffer buffer) throws Exception {
        for (int i = 0; i < 5000; i++) {
            int n = endPoint.fill(buffer);
            if (n != 0) {
                return n;
            }
            Thread.onSpinWait();
        }
        return 0;
    }
}
