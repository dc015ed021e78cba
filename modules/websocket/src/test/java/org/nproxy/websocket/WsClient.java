package org.nproxy.websocket;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/** Jetty's WebSocket client plus a listener that queues what arrives, for the tests. */
public final class WsClient implements AutoCloseable {
    final WebSocketClient client;

    WsClient() throws Exception {
        this(new HttpClient());
    }

    WsClient(HttpClient http) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(64, 2);
        threads.setName("ws-test-client");
        http.setExecutor(threads);
        client = new WebSocketClient(http);
        client.setMaxTextMessageSize(32 << 20);
        client.setMaxBinaryMessageSize(32 << 20);
        client.start();
    }

    Conn connect(URI uri) throws Exception {
        return connect(uri, new ClientUpgradeRequest());
    }

    Conn connect(URI uri, ClientUpgradeRequest request) throws Exception {
        Conn conn = new Conn();
        client.connect(conn, uri, request).get(10, TimeUnit.SECONDS);
        return conn;
    }

    /** One client connection: whole messages (String or byte[]), pongs, partial texts and the close. */
    public static final class Conn implements Session.Listener.AutoDemanding {
        volatile Session session;
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<String> partials = new LinkedBlockingQueue<>();
        final BlockingQueue<ByteBuffer> pongs = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder partialText = new StringBuilder();

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }

        @Override
        public void onWebSocketPartialText(String payload, boolean fin) {
            partials.add(payload + (fin ? "|fin" : ""));
            partialText.append(payload);
            if (fin) {
                messages.add(partialText.toString());
                partialText.setLength(0);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            byte[] bytes = new byte[payload.remaining()];
            payload.get(bytes);
            callback.succeed();
            messages.add(bytes);
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            pongs.add(payload);
        }

        @Override
        public void onWebSocketClose(int code, String reason) {
            closed.complete(code + " " + reason);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            closed.complete("error " + cause);
        }

        Object next() throws InterruptedException {
            Object m = messages.poll(10, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError("no message within 10s");
            }
            return m;
        }

        String text(String message) throws Exception {
            session.sendText(message, Callback.NOOP);
            return (String) next();
        }

        String awaitClose() throws Exception {
            return closed.get(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws Exception {
        client.stop();
    }
}
