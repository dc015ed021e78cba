package org.nproxy.proxy.upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.DuplexConnectionPool;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.client.transport.internal.HttpConnectionOverHTTP;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.nproxy.config.PeerConfig;
import org.nproxy.config.PoolConfig;
import org.nproxy.config.UpstreamConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy module's server-lifetime registry (held in {@code ModuleContext.shared}): peer state
 * by address, one pooled {@link HttpClient} per upstream group and pool settings, and the active
 * health checkers. Survives reloads, so pools stay warm and health is not forgotten; closed when
 * the server stops.
 */
public final class Upstreams implements AutoCloseable {
    /** Key under which the registry lives in {@code ModuleContext.shared}. */
    public static final String SHARED_KEY = "org.nproxy.proxy.upstreams";
    private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);

    private final AtomicLong epoch = new AtomicLong();
    private final Map<String, PeerState> peers = new ConcurrentHashMap<>();
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
    private final HealthChecks healthChecks = new HealthChecks();
    private final Resolvers resolvers = new Resolvers();

    /** The state of a peer address, created on first use. */
    public PeerState peer(String address) {
        return peers.computeIfAbsent(address, a -> new PeerState(a, epoch));
    }

    long epoch() {
        return epoch.get();
    }

    /** The group for this configuration, with its pool client (shared by every generation with the same settings). */
    public UpstreamGroup group(UpstreamConfig config, ByteBufferPool buffers) {
        HttpClient client = clients.computeIfAbsent(config.name() + "|" + config.pool(), k -> newClient(config, buffers));
        return new UpstreamGroup(config, this, client);
    }

    /**
     * Starts (or joins) the timers of a group, its active checks and the re-resolution of its
     * peer names; called when a handler using the group starts.
     */
    public void startGroup(UpstreamGroup group) {
        UpstreamConfig config = group.config();
        for (int i = 0; i < config.peers().size(); i++) {
            if (!config.resolve().isZero()) {
                resolvers.acquire(config.peers().get(i), group.states().get(i), config.resolve());
            }
            if (config.healthCheck() != null) {
                healthChecks.acquire(config.peers().get(i), group.states().get(i), config.healthCheck());
            }
        }
    }

    /** Leaves the timers of a group; the last user of a timer stops it. */
    public void stopGroup(UpstreamGroup group) {
        UpstreamConfig config = group.config();
        for (int i = 0; i < config.peers().size(); i++) {
            if (config.healthCheck() != null) {
                healthChecks.release(config.peers().get(i), config.healthCheck());
            }
            if (!config.resolve().isZero()) {
                resolvers.release(config.peers().get(i), group.states().get(i));
            }
        }
    }

    private static HttpClient newClient(UpstreamConfig config, ByteBufferPool buffers) {
        PoolConfig pool = config.pool();
        HttpClientTransportOverHTTP transport = new NonBlockingTransport();
        transport.setConnectionPoolFactory(destination -> {
            DuplexConnectionPool p = new DuplexConnectionPool(destination, pool.keepalive());
            if (pool.keepaliveRequests() > 0) {
                p.setMaxUsage(pool.keepaliveRequests());
            }
            return p;
        });
        HttpClient client = new HttpClient(transport);
        // Virtual threads, like the server: with non-blocking connections the selector parses
        // answers itself, and the few tasks left (connects, timeouts) need no platform thread.
        // Measured against a 16-thread QueuedThreadPool: bench/run.sh proxy-1k, fewer µs/request.
        VirtualThreadPool threads = new VirtualThreadPool(0);
        threads.setName("upstream-" + config.name());
        client.setExecutor(threads);
        // The server's pool: sized for every connection, where the client's default (bucket size
        // max threads / 2) overflowed under load and allocated a fresh direct buffer per response.
        if (buffers != null) {
            client.setByteBufferPool(buffers);
        }
        client.setName("upstream-" + config.name());
        client.setMaxConnectionsPerDestination(pool.keepalive());
        client.setMaxRequestsQueuedPerDestination(65_536);
        client.setIdleTimeout(pool.keepaliveTimeout().toMillis());
        client.setConnectTimeout(pool.connectTimeout().toMillis());
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().clear();
        client.setDestinationIdleTimeout(Duration.ofMinutes(10).toMillis());
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the pool client of upstream '" + config.name() + "'", e);
        }
        return client;
    }

    /**
     * HTTP/1.1 to upstreams with connections declared non-blocking: the selector thread that sees
     * an upstream answer parses it and runs the proxy's listeners itself, which only copy headers
     * and start writes with callbacks, instead of handing every read to another thread.
     */
    private static final class NonBlockingTransport extends HttpClientTransportOverHTTP {
        private final HttpClientConnectionFactory factory = new HttpClientConnectionFactory() {
            @Override
            public org.eclipse.jetty.io.Connection newConnection(EndPoint endPoint, Map<String, Object> context) {
                HttpConnectionOverHTTP connection = new HttpConnectionOverHTTP(endPoint, context) {
                    @Override
                    @SuppressWarnings("deprecation") // Jetty 12.0 still asks the connection; no replacement hook yet
                    public InvocationType getInvocationType() {
                        return InvocationType.NON_BLOCKING;
                    }
                };
                return customize(connection, context);
            }
        };

        NonBlockingTransport() {
            super(1);
        }

        @Override
        public org.eclipse.jetty.io.Connection newConnection(EndPoint endPoint, Map<String, Object> context) {
            return factory.newConnection(endPoint, context);
        }
    }

    /**
     * Pool figures per connect address ({@code host:port} as connections are made, see
     * {@link PeerState#connectHost}) across every group: open, idle and in-use connections.
     */
    public Map<String, PoolStats> poolStats() {
        Map<String, PoolStats> out = new LinkedHashMap<>();
        for (HttpClient client : clients.values()) {
            for (Destination d : client.getDestinations()) {
                if (d.getConnectionPool() instanceof AbstractConnectionPool p) {
                    String address = d.getOrigin().getAddress().getHost() + ":" + d.getOrigin().getAddress().getPort();
                    PoolStats s = new PoolStats(p.getConnectionCount(), p.getIdleConnectionCount(),
                        p.getActiveConnectionCount(), p.getMaxConnectionCount());
                    out.merge(address, s, PoolStats::plus);
                }
            }
        }
        return out;
    }

    /** Connections to one peer: open = idle + in use (+ being opened). */
    public record PoolStats(int open, int idle, int inUse, int max) {
        PoolStats plus(PoolStats o) {
            return new PoolStats(open + o.open, idle + o.idle, inUse + o.inUse, max + o.max);
        }
    }

    @Override
    public void close() {
        healthChecks.close();
        resolvers.close();
        List<HttpClient> all = new ArrayList<>(clients.values());
        clients.clear();
        for (HttpClient c : all) {
            try {
                c.stop();
            } catch (Exception e) {
                LOG.warn("stopping upstream client {}: {}", c.getName(), e.toString());
            }
        }
    }
}
