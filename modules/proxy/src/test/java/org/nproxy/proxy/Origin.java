package org.nproxy.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real Jetty upstream on 127.0.0.1 for the proxy tests. Answers with its name and counts
 * requests (and {@code /healthz} probes among them) and accepted connections.
 * <ul>
 *   <li>{@code /echo}: the request line and headers as the body</li>
 *   <li>{@code /status/N}: status N</li>
 *   <li>{@code /stall?ms=N}: waits N ms before answering (without reading the body)</li>
 *   <li>{@code /early?ms=N}: answers 200 and sends a first line at once, then waits N ms
 *       (without reading the body) before it ends the answer</li>
 *   <li>{@code /download?size=N}: N bytes, streamed in 64 KiB writes</li>
 *   <li>{@code /upload} (POST/PUT): reads the body, answers its length</li>
 *   <li>{@code /echo-body}: reads the body and answers it back, with {@code X-Trailers} listing
 *       the request's trailers, then closes the connection; the last body is kept in
 *       {@link #lastBody}</li>
 *   <li>{@code /trailers}: a chunked body in two writes followed by the trailers
 *       {@code X-Checksum: 42} and {@code X-Parts: 2}</li>
 *   <li>anything else: {@code name} as the body</li>
 * </ul>
 */
final class Origin implements AutoCloseable {
    final String name;
    final Server server;
    final ServerConnector connector;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong probes = new AtomicLong();
    volatile byte[] lastBody;
    volatile int forcedStatus;
    volatile int delayMs;

    Origin(String name) throws Exception {
        this(name, 0);
    }

    Origin(String name, int port) throws Exception {
        this(name, "127.0.0.1", port);
    }

    /** On another loopback address, e.g. 127.0.0.2, for a name that moves between two origins. */
    Origin(String name, String host, int port) throws Exception {
        this.name = name;
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("origin-" + name);
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost(host);
        connector.setPort(port);
        connector.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                connections.incrementAndGet();
            }
        });
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                requests.incrementAndGet();
                if (Request.getPathInContext(request).equals("/healthz")) {
                    probes.incrementAndGet();
                }
                serve(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    int port() {
        return connector.getLocalPort();
    }

    String address() {
        return connector.getHost() + ":" + port();
    }

    private void serve(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        Fields query = Request.extractQueryParameters(request);
        response.getHeaders().put("X-Origin", name);
        if (delayMs > 0) {
            Thread.sleep(delayMs);
        }
        if (forcedStatus != 0) {
            response.setStatus(forcedStatus);
            Content.Sink.write(response, true, name, callback);
            return;
        }
        if (path.equals("/echo")) {
            StringBuilder sb = new StringBuilder();
            sb.append(request.getMethod()).append(' ').append(request.getHttpURI().getPathQuery()).append('\n');
            for (HttpField f : request.getHeaders()) {
                sb.append(f.getName()).append(": ").append(f.getValue()).append('\n');
            }
            Content.Sink.write(response, true, sb.toString(), callback);
        } else if (path.startsWith("/status/")) {
            response.setStatus(Integer.parseInt(path.substring(8)));
            Content.Sink.write(response, true, name, callback);
        } else if (path.equals("/stall")) {
            Thread.sleep(Long.parseLong(query.getValue("ms")));
            Content.Sink.write(response, true, name, callback);
        } else if (path.equals("/early")) {
            try (Blocker.Callback b = Blocker.callback()) {
                Content.Sink.write(response, false, "started\n", b);
                b.block();
            }
            Thread.sleep(Long.parseLong(query.getValue("ms")));
            Content.Sink.write(response, true, "done\n", callback);
        } else if (path.equals("/download")) {
            long size = Long.parseLong(query.getValue("size"));
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, size);
            ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(left, chunk.capacity());
                left -= n;
                try (Blocker.Callback b = Blocker.callback()) {
                    response.write(left == 0, chunk.duplicate().limit(n), b);
                    b.block();
                }
            }
            if (size == 0) {
                response.write(true, null, callback);
            } else {
                callback.succeeded();
            }
        } else if (path.equals("/echo-body")) {
            byte[] body = BufferUtil.toArray(Content.Source.asByteBuffer(request));
            lastBody = body;
            HttpFields trailers = request.getTrailers();
            StringBuilder names = new StringBuilder();
            if (trailers != null) {
                for (HttpField f : trailers) {
                    names.append(names.isEmpty() ? "" : ", ").append(f.getName()).append('=').append(f.getValue());
                }
            }
            response.getHeaders().put("X-Trailers", names.toString());
            // Jetty 12.0.30 repeats a connection's earlier request trailers: one request per connection
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            response.write(true, ByteBuffer.wrap(body), callback);
        } else if (path.equals("/trailers")) {
            HttpFields.Mutable trailers = HttpFields.build();
            response.setTrailersSupplier(() -> trailers);
            response.getHeaders().put(HttpHeader.TRAILER, "X-Checksum, X-Parts");
            for (String part : new String[] {"part one,", "part two"}) {
                try (Blocker.Callback b = Blocker.callback()) {
                    Content.Sink.write(response, false, part, b);
                    b.block();
                }
            }
            trailers.put("X-Checksum", "42");
            trailers.put("X-Parts", "2");
            response.write(true, null, callback);
        } else if (path.equals("/upload")) {
            long total = 0;
            while (true) {
                Content.Chunk c = request.read();
                if (c == null) {
                    try (Blocker.Runnable r = Blocker.runnable()) {
                        request.demand(r);
                        r.block();
                    }
                    continue;
                }
                if (Content.Chunk.isFailure(c)) {
                    throw new IllegalStateException(c.getFailure());
                }
                total += c.remaining();
                c.release();
                if (c.isLast()) {
                    break;
                }
            }
            Content.Sink.write(response, true, Long.toString(total), callback);
        } else {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            Content.Sink.write(response, true, name, callback);
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
