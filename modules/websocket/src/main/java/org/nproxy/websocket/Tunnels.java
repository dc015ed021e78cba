package org.nproxy.websocket;

import java.net.URI;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.client.HttpUpgrader;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.nproxy.server.ShortReadEndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The websocket module's server-lifetime registry (in {@code ModuleContext.shared}): the live
 * tunnels, the WebSocket components (extensions, buffers) and the clients that open tunnels to the
 * peers. A reload stops the old generation's handlers but not this, so open tunnels keep running
 * as long as the new configuration still has their route ({@link Routes}); when the Jetty server
 * starts stopping, every tunnel gets a close frame 1001 (going away) on both sides and the stop
 * waits for the close handshakes up to the shutdown timeout.
 */
final class Tunnels implements AutoCloseable {
    static final String SHARED_KEY = "org.nproxy.websocket.tunnels";
    private static final Logger LOG = LoggerFactory.getLogger(Tunnels.class);
    /** Bytes of an upstream refusal's body passed on to the client; the rest is cut. */
    static final int MAX_REFUSAL_BODY = 64 * 1024;
    /**
     * Threads of the upstream clients' pool: 4 per core, at least 8. The relay never blocks on them
     * (frames are written asynchronously; the handshake is awaited on the handler's virtual thread),
     * and with 200, as before, a burst of handshakes grew the pool to ~170 platform threads (about
     * 11 MiB of stacks, kept for a minute) on a one-core JVM that can run one of them at a time.
     */
    static final int UPSTREAM_THREADS = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());

    private final Set<Tunnel> live = ConcurrentHashMap.newKeySet();
    /** Open tunnels per server and location, for {@link WebSocketMeters} (tunnels outlive generations). */
    final Map<String, java.util.concurrent.atomic.AtomicInteger> openByLocation = WebSocketMeters.openCounts();
    private final Map<Long, WebSocketCoreClient> clients = new ConcurrentHashMap<>();
    private final WebSocketComponents components;
    private final Routes routes;
    private volatile Duration shutdownTimeout = Duration.ofSeconds(10);

    Tunnels(Server server) {
        routes = new Routes(live, server.getScheduler());
        components = new WebSocketComponents(null, null, server.getByteBufferPool(), null, null, null);
        try {
            components.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the WebSocket components", e);
        }
        // Runs before the server stops its connectors, so the close frames still go out.
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopping(LifeCycle event) {
                goAway();
            }
        });
    }

    Routes routes() {
        return routes;
    }

    WebSocketComponents components() {
        return components;
    }

    void shutdownTimeout(Duration timeout) {
        shutdownTimeout = timeout;
    }

    /** The client for tunnels with this connect timeout (one per distinct timeout, made on first use). */
    WebSocketCoreClient client(Duration connectTimeout) {
        long millis = connectTimeout.toMillis();
        WebSocketCoreClient client = clients.get(millis);
        if (client != null) {
            return client;
        }
        // Started outside the map's lock (starting a client is slow and runs foreign code);
        // two racing starts keep the first and stop the second.
        WebSocketCoreClient fresh = newClient(millis);
        WebSocketCoreClient raced = clients.putIfAbsent(millis, fresh);
        if (raced == null) {
            return fresh;
        }
        try {
            fresh.stop();
            fresh.getHttpClient().stop();
        } catch (Exception e) {
            LOG.debug("stopping a WebSocket client that lost a race", e);
        }
        return raced;
    }

    private WebSocketCoreClient newClient(long connectTimeoutMillis) {
        HttpClient http = new CapturingHttpClient();
        QueuedThreadPool threads = new QueuedThreadPool(UPSTREAM_THREADS, 2);
        threads.setName("ws-upstream");
        threads.setDaemon(true);
        http.setExecutor(threads);
        // The server's pool, not one of its own: the upstream side's read buffers are the same sizes as the
        // client side's, and a second pool would keep a second set of them after every burst.
        http.setByteBufferPool(components.getByteBufferPool());
        http.setName("ws-upstream");
        http.setConnectTimeout(connectTimeoutMillis);
        http.setFollowRedirects(false);
        http.setUserAgentField(null);
        http.setHttpCookieStore(new HttpCookieStore.Empty());
        // Handshake heads as large as any listener accepts (Jetty's 8 KiB default refused big
        // cookies): the buffer starts small and grows only for a head that needs it.
        http.setMaxRequestHeadersSize(1 << 20);
        http.setMaxResponseHeadersSize(1 << 20);
        // Every tunnel holds its own connection; the per-peer limit is the group's max-conns, not the pool's.
        http.setMaxConnectionsPerDestination(Integer.MAX_VALUE);
        http.setMaxRequestsQueuedPerDestination(Integer.MAX_VALUE);
        WebSocketCoreClient client = new WebSocketCoreClient(http, components);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the WebSocket upstream client", e);
        }
        // HttpClient.doStart() installs a gzip decoder, which adds "Accept-Encoding: gzip" to the
        // handshake: removed once started, so the client's headers go as sent.
        http.getContentDecoderFactories().clear();
        return client;
    }

    void add(Tunnel t) {
        live.add(t);
        routes.opened(t);
    }

    void remove(Tunnel t) {
        live.remove(t);
        routes.ended(t);
    }

    int size() {
        return live.size();
    }

    /** Closes every tunnel with 1001 on both sides and waits for them up to the shutdown timeout. */
    void goAway() {
        routes.serverStopping();
        List<Tunnel> all = new ArrayList<>(live);
        if (all.isEmpty()) {
            return;
        }
        LOG.info("closing {} WebSocket tunnel(s) with 1001 (server stopping)", all.size());
        for (Tunnel t : all) {
            t.closeBoth(CloseStatus.SHUTDOWN, "server stopping");
        }
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        while (!live.isEmpty() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!live.isEmpty()) {
            LOG.warn("{} WebSocket tunnel(s) did not finish their close handshake in {}; cutting them",
                live.size(), shutdownTimeout);
            for (Tunnel t : new ArrayList<>(live)) {
                t.abort();
            }
        }
    }

    @Override
    public void close() {
        for (Tunnel t : new ArrayList<>(live)) {
            t.abort();
        }
        for (WebSocketCoreClient c : clients.values()) {
            try {
                c.stop();
                c.getHttpClient().stop();
            } catch (Exception e) {
                LOG.warn("stopping the WebSocket upstream client: {}", e.toString());
            }
        }
        clients.clear();
        try {
            components.stop();
        } catch (Exception e) {
            LOG.warn("stopping the WebSocket components: {}", e.toString());
        }
    }

    /**
     * Keeps the first {@link #MAX_REFUSAL_BODY} bytes of a response to an upgrade request: when a
     * peer refuses (401, 403, 404...), the client gets that body, which Jetty's WebSocket client
     * otherwise drops.
     */
    private static final class CapturingHttpClient extends HttpClient {
        CapturingHttpClient() {
            super(new HttpClientTransportOverHTTP(new TunnelConnector()));
        }

        @Override
        public Request newRequest(URI uri) {
            Request request = super.newRequest(uri);
            request.onResponseContent((response, content) -> {
                Object factory = response.getRequest().getAttributes().get(HttpUpgrader.Factory.class.getName());
                if (factory instanceof UpstreamUpgrade upgrade) {
                    upgrade.captureBody(content.slice());
                }
            });
            return request;
        }
    }

    /**
     * The upstream side's connections: every one becomes a tunnel after its handshake, whose frames
     * are relayed with callbacks, so their reads are declared non-blocking (the selector runs them
     * instead of handing each frame to a pool thread).
     */
    private static final class TunnelConnector extends ClientConnector {
        TunnelConnector() {
            setSelectors(1);
        }

        @Override
        protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
            if (!(channel instanceof SocketChannel socket)) {
                return super.newEndPoint(channel, selector, key);
            }
            ShortReadEndPoint endPoint = new ShortReadEndPoint(socket, selector, key, getScheduler());
            endPoint.readNonBlocking();
            return endPoint;
        }
    }
}
