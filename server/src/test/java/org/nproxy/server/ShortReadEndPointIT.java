package org.nproxy.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.Test;

/**
 * {@link ShortReadEndPoint} on a real loopback connection: after a read that left room in the
 * buffer the next fill answers 0 without reading (bytes that arrived meanwhile stay in the socket
 * for the fill after it), after a read that filled the buffer the next fill reads, and through
 * Jetty's selector no byte is lost.
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

    /**
     * Through Jetty's selector: a connection that fills until 0 and then registers read interest
     * (as Jetty's own do) gets every byte of 200 writes sent with and without pauses.
     */
    @Test
    void withASelectorNothingIsLost() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool();
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        SelectorManager selectors = new SelectorManager(threads, scheduler, 1) {
            @Override
            protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
                return new ShortReadEndPoint((SocketChannel) channel, selector, key, scheduler);
            }

            @Override
            public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment) {
                return new AbstractConnection(endPoint, threads) {
                    @Override
                    public void onOpen() {
                        super.onOpen();
                        fillInterested();
                    }

                    @Override
                    public void onFillable() {
                        ByteBuffer buffer = BufferUtil.allocate(64);
                        try {
                            while (true) {
                                BufferUtil.clear(buffer);
                                int n = getEndPoint().fill(buffer);
                                if (n <= 0) {
                                    if (n == 0) {
                                        fillInterested();
                                    }
                                    return;
                                }
                                synchronized (received) {
                                    received.write(buffer.array(), buffer.arrayOffset() + buffer.position(), n);
                                }
                            }
                        } catch (Exception e) {
                            close();
                        }
                    }
                };
            }
        };
        threads.start();
        scheduler.start();
        selectors.start();
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
            SocketChannel accepted = listener.accept();
            accepted.configureBlocking(false);
            selectors.accept(accepted);
            StringBuilder sent = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                String part = "part " + i + (i % 7 == 0 ? "x".repeat(100) : "") + ";";
                sent.append(part);
                client.write(ByteBuffer.wrap(part.getBytes(StandardCharsets.US_ASCII)));
                if (i % 10 == 0) {
                    int expected = sent.length();
                    await().atMost(Duration.ofSeconds(10)).until(() -> size(received) == expected);
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> size(received) == sent.length());
            synchronized (received) {
                assertEquals(sent.toString(), received.toString(StandardCharsets.US_ASCII));
            }
        } finally {
            selectors.stop();
            scheduler.stop();
            threads.stop();
        }
    }

    private static int size(ByteArrayOutputStream received) {
        synchronized (received) {
            return received.size();
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
