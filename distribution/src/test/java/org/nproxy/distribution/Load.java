package org.nproxy.distribution;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * Traffic through an Nproxy under test, counting every failure: HTTP/1.1 loops, HTTP/2 (h2c)
 * clients each with its own connection (a request the server refused unprocessed is sent again,
 * as RFC 9113 allows, and counted in {@link #retried}), a loop of slow requests (always one in flight), and
 * WebSocket tunnels that send a message every 100 ms and check its echo. Plus the WebSocket echo
 * upstream the tunnels go to. Bounded: every loop stops at {@link #close()}.
 */
public final class Load implements AutoCloseable {
    final Server upstream;
    final AtomicLong ok = new AtomicLong();
    /** HTTP/2 requests refused unprocessed by a GOAWAY they crossed on the wire, then sent again. */
    final AtomicLong retried = new AtomicLong();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();
    final List<Tunnel> tunnels = new ArrayList<>();
    private final int port;
    private final List<HttpClient> clients = new ArrayList<>();
    private final List<Thread> loops = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private WebSocketClient ws;

    Load(int port) throws Exception {
        this.port = port;
        upstream = new Server();
        ServerConnector connector = new ServerConnector(upstream, 1, 1);
        connector.setHost("127.0.0.1");
        upstream.addConnector(connector);
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(upstream, container ->
            container.addMapping("/*", (request, response, callback) -> new Echo()));
        // Plain HTTP (not an upgrade): a cacheable answer naming the path, 100 KB for /cached/large
        // (a cache body too large to be inline: a file in the zone directory).
        ws.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, org.eclipse.jetty.util.Callback callback) {
                String path = Request.getPathInContext(request);
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "max-age=300");
                Content.Sink.write(response, true, body(path), callback);
                return true;
            }
        });
        upstream.setHandler(ws);
        upstream.start();
    }

    /** What the upstream answers to a plain GET of {@code path}. */
    static String body(String path) {
        return path.endsWith("/large") ? ("cached " + path + "\n").repeat(100_000 / (path.length() + 8)) : "cached " + path;
    }

    /** Records a failure with the wall-clock time, to line it up with the server's log. */
    void fail(String what) {
        failures.add(java.time.LocalTime.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS) + " " + what);
    }

    /** The innermost frames of a failure, to tell where a client saw it. */
    static String where(Throwable t) {
        if (t == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        StackTraceElement[] frames = t.getStackTrace();
        for (int i = 0; i < Math.min(8, frames.length); i++) {
            out.append(" <- ").append(frames[i].getClassName().replaceAll(".*\\.", "")).append('.').append(frames[i].getMethodName());
        }
        return out.toString();
    }

    /** Milliseconds between a tunnel's messages. */
    volatile long tunnelIntervalMillis = 100;

    /** A loop of GETs on {@code path}, each answer checked against the upstream's {@link #body}. */
    void cachedLoop(String path) throws Exception {
        loop("cached" + path, client(new HttpClient(new HttpClientTransportOverHTTP(1))), path, body(path));
    }

    int upstreamPort() {
        return ((ServerConnector) upstream.getConnectors()[0]).getLocalPort();
    }

    /** Starts {@code h1} HTTP/1.1 loops and {@code h2} HTTP/2 clients on /ping, one /slow loop, and {@code ws} tunnels. */
    void start(int h1, int h2, int wsTunnels) throws Exception {
        HttpClient http1 = client(new HttpClient(new HttpClientTransportOverHTTP(1)));
        for (int i = 0; i < h1; i++) {
            loop("h1-" + i, http1, "/ping", "pong");
        }
        loop("h1-slow", http1, "/slow", "slow");
        for (int i = 0; i < h2; i++) {
            loop("h2-" + i, client(new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()))), "/ping", "pong");
        }
        ws = new WebSocketClient();
        ws.start();
        // Connected all at once (one by one, 100 tunnels take seconds on a loaded machine).
        List<Tunnel> opening = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<Session>> connected = new ArrayList<>();
        for (int i = 0; i < wsTunnels; i++) {
            Tunnel t = new Tunnel("t" + i);
            opening.add(t);
            connected.add(ws.connect(t, URI.create("ws://127.0.0.1:" + port + "/ws/" + t.name)));
        }
        for (int i = 0; i < wsTunnels; i++) {
            connected.get(i).get(30, TimeUnit.SECONDS);
            Tunnel t = opening.get(i);
            tunnels.add(t);
            Thread.ofPlatform().name("tunnel-" + t.name).start(t::pump);
        }
    }

    Tunnel openTunnel(String name) throws Exception {
        return openTunnelAsync(name).get(20, TimeUnit.SECONDS);
    }

    /** Opens a tunnel; once open, it pumps messages. */
    java.util.concurrent.CompletableFuture<Tunnel> openTunnelAsync(String name) throws Exception {
        Tunnel t = new Tunnel(name);
        return ws.connect(t, URI.create("ws://127.0.0.1:" + port + "/ws/" + name)).thenApply(session -> {
            Thread.ofPlatform().name("tunnel-" + name).start(t::pump);
            return t;
        });
    }

    private HttpClient client(HttpClient client) throws Exception {
        client.setConnectTimeout(5000);
        client.start();
        clients.add(client);
        return client;
    }

    private void loop(String name, HttpClient client, String path, String body) {
        loops.add(Thread.ofPlatform().name("load-" + name).start(() -> {
            while (running.get()) {
                try {
                    ContentResponse r = client.newRequest("http://127.0.0.1:" + port + path)
                        .timeout(20, TimeUnit.SECONDS).send();
                    if (r.getStatus() == 200 && r.getContentAsString().equals(body)) {
                        ok.incrementAndGet();
                    } else {
                        fail(name + ": " + r.getStatus() + " " + r.getContentAsString());
                    }
                } catch (java.util.concurrent.ExecutionException e)  {
                    // RFC 9113 8.7: a stream the server refused (above its GOAWAY, or REFUSED_STREAM)
                    // was not processed and is safe to retry; browsers and curl do. Anything else fails.
                    // RFC 9112 9.3.1: a kept-alive connection the server closed before any byte of the
                    // answer (the old process closing idle connections) leaves an idempotent GET
                    // safe to send again on a new one; browsers and curl do. Jetty's client does not.
                    if (e.getCause() instanceof org.eclipse.jetty.client.RetryableRequestException
                        || e.getCause() instanceof java.io.EOFException) {
                        retried.incrementAndGet();
                    } else {
                        fail(name + ": " + e + where(e.getCause()));
                    }
                } catch (Exception e) {
                    fail(name + ": " + e);
                }
            }
        }));
    }

    /** Waits until {@code more} requests succeeded after this call; false at the timeout. */
    boolean awaitMore(long more, long timeoutMillis) throws InterruptedException {
        long target = ok.get() + more;
        return Install.await(timeoutMillis, () -> ok.get() >= target);
    }

    @Override
    public void close() throws Exception {
        running.set(false);
        for (Tunnel t : tunnels) {
            t.stop();
        }
        for (Thread t : loops) {
            t.join(30_000);
        }
        for (HttpClient c : clients) {
            c.stop();
        }
        if (ws != null) {
            ws.stop();
        }
        upstream.stop();
    }

    /** A client tunnel: sends "name-N" every {@link #tunnelIntervalMillis}, expects each echo within 5 s. */
    public final class Tunnel implements Session.Listener.AutoDemanding {
        final String name;
        final AtomicInteger echoed = new AtomicInteger();
        volatile String closedBy;
        private volatile Session session;
        private volatile boolean stopping;
        private final AtomicInteger sent = new AtomicInteger();

        Tunnel(String name) {
            this.name = name;
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }

        @Override
        public void onWebSocketText(String message) {
            if (message.equals(name + "-" + (echoed.get() + 1))) {
                echoed.incrementAndGet();
            } else {
                fail("tunnel " + name + ": unexpected echo " + message);
            }
        }

        @Override
        public void onWebSocketClose(int status, String reason) {
            if (!stopping) {
                closedBy = status + " " + reason;
                fail("tunnel " + name + " closed by the server: " + closedBy);
            }
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            if (!stopping) {
                fail("tunnel " + name + ": " + cause + where(cause));
            }
        }

        private void pump() {
            while (!stopping && running.get()) {
                int n = sent.incrementAndGet();
                session.sendText(name + "-" + n, Callback.NOOP);
                try {
                    if (!Install.await(5000, () -> stopping || echoed.get() >= n)) {
                        fail("tunnel " + name + ": no echo of message " + n + " within 5s");
                        return;
                    }
                    Thread.sleep(tunnelIntervalMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Closes from the client side with 1000, as a user leaving. */
        void stop() {
            if (!stopping) {
                stopping = true;
                session.close(1000, "client done", Callback.NOOP);
            }
        }
    }

    /** The upstream's side of a tunnel: echoes every text message. */
    public static final class Echo implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
            s.setIdleTimeout(Duration.ofMinutes(5));
        }

        @Override
        public void onWebSocketText(String message) {
            session.sendText(message, Callback.NOOP);
        }
    }
}
