package org.nproxy.cache.redis;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real origin on 127.0.0.1 that counts its requests per path (and method). By default each path
 * answers 200 with {@code Cache-Control: max-age=60} and the body {@code PATH #N}; a test may
 * register other fields, a body size, or a delay.
 */
final class Origin implements AutoCloseable {
    interface Answer {
        void answer(Request request, Response response, int n) throws Exception;
    }

    private final Server server;
    private final ServerConnector connector;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    final AtomicInteger total = new AtomicInteger();
    volatile int delayMs;

    Origin() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        threads.setName("origin");
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                String key = request.getMethod().equals("GET") || request.getMethod().equals("HEAD") ? path
                    : request.getMethod() + " " + path;
                int n = counts.computeIfAbsent(key, p -> new AtomicInteger()).incrementAndGet();
                total.incrementAndGet();
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
                answers.getOrDefault(path, (rq, rs, i) -> rs.getHeaders().put("Cache-Control", "max-age=60"))
                    .answer(request, response, n);
                byte[] bytes = (byte[]) request.getAttribute("body");
                String body = path + " #" + n;
                response.write(true, ByteBuffer.wrap(bytes != null ? bytes : body.getBytes()), callback);
                return true;
            }
        });
        server.start();
    }

    Origin on(String path, Answer answer) {
        answers.put(path, answer);
        return this;
    }

    /** GET and HEAD requests for a path; other methods count under "METHOD path". */
    int count(String key) {
        AtomicInteger c = counts.get(key);
        return c == null ? 0 : c.get();
    }

    int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
