package org.nproxy.cache;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real origin on 127.0.0.1 for the cache tests. Counts requests per path and keeps the request
 * headers it saw; each path answers with what a test registered ({@link #on}), by default 200 with
 * {@code Cache-Control: max-age=60} and the body {@code PATH #N}, N counting from 1.
 */
final class CountingOrigin implements AutoCloseable {
    /** How a path answers; {@code n} is this request's number for the path. */
    interface Answer {
        void answer(Request request, Response response, int n) throws Exception;
    }

    private final Server server;
    private final ServerConnector connector;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    final CopyOnWriteArrayList<HttpFields> seen = new CopyOnWriteArrayList<>();
    final CopyOnWriteArrayList<String> methods = new CopyOnWriteArrayList<>();
    volatile int delayMs;
    /**
     * System.nanoTime() when a slow answer (request attribute chunkPauseMs; with "gate", a latch
     * the second half of the body waits for) began its last piece.
     */
    volatile long lastPieceAt;

    CountingOrigin() throws Exception {
        this(0);
    }

    CountingOrigin(int port) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        threads.setName("origin");
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                int n = counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                seen.add(request.getHeaders());
                methods.add(request.getMethod() + " " + path);
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
                Answer a = answers.getOrDefault(path, (rq, rs, i) -> rs.getHeaders().put("Cache-Control", "max-age=60"));
                a.answer(request, response, n);
                String body = response.getStatus() == 304 ? "" : path + " #" + n;
                byte[] bytes = (byte[]) request.getAttribute("body");
                Integer pause = (Integer) request.getAttribute("chunkPauseMs");
                if (bytes != null && pause != null) { // slowly: 256 KiB pieces with a pause before each
                    int piece = 256 * 1024;
                    java.util.concurrent.CountDownLatch gate =
                        (java.util.concurrent.CountDownLatch) request.getAttribute("gate");
                    for (int at = 0; at < bytes.length; at += piece) {
                        Thread.sleep(pause);
                        if (gate != null && at >= bytes.length / 2 && at < bytes.length / 2 + piece) {
                            gate.await(60, java.util.concurrent.TimeUnit.SECONDS); // the second half waits for the test
                        }
                        boolean last = at + piece >= bytes.length;
                        if (last) {
                            lastPieceAt = System.nanoTime();
                            response.write(true, ByteBuffer.wrap(bytes, at, bytes.length - at), callback);
                        } else {
                            try (Blocker.Callback written = Blocker.callback()) {
                                response.write(false, ByteBuffer.wrap(bytes, at, piece), written);
                                written.block();
                            }
                        }
                    }
                    return true;
                }
                response.write(true, bytes != null ? ByteBuffer.wrap(bytes) : ByteBuffer.wrap(body.getBytes()), callback);
                return true;
            }
        });
        server.start();
    }

    /** Registers how a path answers (status and fields; set request attribute "body" for a byte[] body). */
    CountingOrigin on(String path, Answer answer) {
        answers.put(path, answer);
        return this;
    }

    int count(String path) {
        AtomicInteger c = counts.get(path);
        return c == null ? 0 : c.get();
    }

    int port() {
        return connector.getLocalPort();
    }

    HttpFields lastSeen() {
        return seen.get(seen.size() - 1);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
