package org.nproxy.upstream;

import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.DuplexConnectionPool;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.nproxy.upstream.PoolConfig;
import org.nproxy.upstream.UpstreamConfig;
import org.nproxy.upstream.forward.InterimResponses;

/**
 * The keep-alive pool of an upstream group: a Jetty {@link HttpClient} per group runtime, with
 * the group's pool settings, non-blocking HTTP/1.1 connections and the server's buffer pool.
 */
final class PoolClients {
    /** Bytes of one read of an upstream answer. */
    static final int RESPONSE_BUFFER = Integer.getInteger("nproxy.upstream.read-buffer", 64 * 1024);

    private PoolClients() {
    }

    static HttpClient newClient(UpstreamConfig config, ByteBufferPool buffers) {
        PoolConfig pool = config.pool();
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(new FramingConnector(pool.maxHeaderSize()));
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
        // Reads of an answer's body: 64 KiB, not Jetty's 16 KiB, so a large body costs a quarter of the
        // read(2)s and, relayed chunk by chunk, of the writes to the client (bench/ab.sh proxy-100k).
        // A buffer is taken from the pool per read and given back once its bytes are written.
        client.setResponseBufferSize(RESPONSE_BUFFER);
        client.setName("upstream-" + config.name());
        client.setMaxConnectionsPerDestination(pool.keepalive());
        client.setMaxRequestsQueuedPerDestination(65_536);
        client.setIdleTimeout(pool.keepaliveTimeout().toMillis());
        client.setConnectTimeout(pool.connectTimeout().toMillis());
        client.setFollowRedirects(false);
        // Heads as large as the listeners accept (cookies, JWTs): the request buffer starts at
        // Jetty's 4 KiB and grows to this only for a large head; the response parser's limit.
        client.setMaxRequestHeadersSize(pool.maxHeaderSize());
        client.setMaxResponseHeadersSize(pool.maxHeaderSize());
        client.setUserAgentField(null);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        // No Content-Type on a body that came without one (Jetty's default: application/octet-stream).
        client.setDefaultRequestContentType(null);
        // RFC 9112 section 6.3 framing Jetty's parser refuses (ResponseFraming): scan each answer's head.
        client.getRequestListeners().addBeginListener(ResponseFraming::onBegin);
        // No destination idle timeout (Jetty's default, 0). With one, Jetty 12.0.30's 1s sweeper
        // removes a new destination at its first sweep whenever it is momentarily empty (its
        // activeNanoTime starts at 0, so it looks idle for the machine's uptime), and a request
        // between taking its exchange off the queue and acquiring a connection then fails with an
        // NPE in AbstractConnectionPool.activate (500s seen in LargeHeadersIT). A destination per
        // connect address is small; addresses that come and go with `resolve` stay until the group
        // is closed at a reload that changes it.
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the pool client of upstream '" + config.name() + "'", e);
        }
        // The proxy does not alter messages. HttpClient.doStart() installs a gzip decoder (which
        // also adds "Accept-Encoding: gzip" to every request without one) and the redirect,
        // authentication, 100-continue and upgrade handlers: all removed once it has started,
        // so answers pass as the peer wrote them and the client's Accept-Encoding goes as sent.
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().clear();
        // ...but 1xx answers need one, or the final answer after them is lost.
        client.getProtocolHandlers().put(new InterimResponses());
        return client;
    }

    /**
     * HTTP/1.1 to upstreams through {@link ResponseFraming}: reads declared non-blocking, and
     * response heads made readable for Jetty's parser. Done at the end point, Jetty's public
     * extension point, so no internal connection class is touched.
     */
    private static final class FramingConnector extends ClientConnector {
        private final int maxHead;

        FramingConnector(int maxHead) {
            this.maxHead = maxHead;
            setSelectors(1);
        }

        @Override
        protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
            if (!(channel instanceof SocketChannel socket)) {
                return super.newEndPoint(channel, selector, key);
            }
            return new ResponseFraming(socket, selector, key, getScheduler(), maxHead);
        }
    }

    /** Pool figures per connect address ({@code host:port} as connections are made). */
    static Map<String, PoolStats> poolStats(HttpClient client) {
        Map<String, PoolStats> out = new LinkedHashMap<>();
        for (Destination d : client.getDestinations()) {
            if (d.getConnectionPool() instanceof AbstractConnectionPool p) {
                String address = d.getOrigin().getAddress().getHost() + ":" + d.getOrigin().getAddress().getPort();
                PoolStats s = new PoolStats(p.getConnectionCount(), p.getIdleConnectionCount(),
                    p.getActiveConnectionCount(), p.getMaxConnectionCount());
                out.merge(address, s, PoolStats::plus);
            }
        }
        return out;
    }
}
