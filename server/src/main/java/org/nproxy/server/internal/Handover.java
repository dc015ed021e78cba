package org.nproxy.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.AbstractMetaDataConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The old process's side of {@code nproxy.sh upgrade} (nginx's binary upgrade): the new process
 * already listens on the same ports (SO_REUSEPORT), this one stops accepting and lets its clients
 * move over without a failed request.
 * <ul>
 *   <li>HTTP/1.x responses from now on carry {@code Connection: close}, so each connection ends
 *       after its next exchange and the client reconnects (to the new process); not an upgrade's
 *       answer: a WebSocket tunnel the client opened in that instant stays and drains;</li>
 *   <li>HTTP/2 sessions get a graceful GOAWAY (see {@link #goAway}): open streams finish, new
 *       ones go elsewhere;</li>
 *   <li>HTTP connections idle for {@link #IDLE_MILLIS} while no request is in flight are closed
 *       (nginx closes idle keep-alive connections the same way);</li>
 *   <li>anything else on the connectors (WebSocket tunnels) stays until it ends or the drain
 *       timeout passes.</li>
 * </ul>
 * Sits between the {@link GracefulHandler} and the dispatcher; until {@link #drain} it only
 * reads one volatile flag per request.
 */
public final class Handover extends Handler.Wrapper {
    /** An HTTP connection this quiet, with no request in flight anywhere, is closed. */
    static final long IDLE_MILLIS = 1000;

    private static final byte[] GOING_AWAY = "draining".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private volatile boolean draining;

    /** What a handover drained, and what the drain timeout cut. */
    public record Report(int requests, int connections, int others, int cut, long millis) {
        @Override
        public String toString() {
            return "drained in " + millis + "ms: " + requests + " in-flight request(s), " + connections
                + " open connection(s) of which " + others + " tunnel(s), " + cut + " cut";
        }
    }

    public Handover(Handler inner) {
        super(false, inner);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (draining) {
            Connection connection = request.getConnectionMetaData().getConnection();
            if (connection instanceof HTTP2Connection h2) {
                goAway(h2);
            } else if (request.getConnectionMetaData().getHttpVersion().getVersion() < HttpVersion.HTTP_2.getVersion()
                && !request.getHeaders().contains(HttpHeader.UPGRADE)) {
                // Not on an upgrade: "Connection: close" on a 101 would make the client drop the tunnel
                // it just opened (a tunnel drains like the others).
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
        }
        return super.handle(request, response, callback);
    }

    /**
     * Drains the connectors, which have already stopped accepting. Returns when no request is in
     * flight and no connection is open, or at the timeout.
     */
    public Report drain(List<Connector> connectors, GracefulHandler graceful, long timeoutMillis)
        throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        draining = true;
        int requests = (int) graceful.getCurrentRequestCount();
        List<EndPoint> open = endPoints(connectors);
        int connections = open.size();
        int others = 0;
        for (EndPoint endPoint : open) {
            Connection connection = application(endPoint);
            if (connection instanceof HTTP2Connection h2) {
                goAway(h2);
            } else if (!(connection instanceof AbstractMetaDataConnection)) {
                others++;
            }
        }
        while (true) {
            long inFlight = graceful.getCurrentRequestCount();
            open = endPoints(connectors);
            if (inFlight == 0) {
                closeIdle(open);
                open = endPoints(connectors);
            }
            if (inFlight == 0 && open.isEmpty()) {
                return new Report(requests, connections, others, 0, millisSince(start));
            }
            if (System.nanoTime() - deadline >= 0) {
                return new Report(requests, connections, others, (int) inFlight + open.size(), millisSince(start));
            }
            Thread.sleep(50);
        }
    }

    private static void closeIdle(List<EndPoint> open) {
        for (EndPoint endPoint : open) {
            Connection connection = application(endPoint);
            boolean http = connection instanceof AbstractMetaDataConnection
                || connection instanceof HTTP2Connection h2 && h2.getSession().getStreamCount() == 0;
            if (http && endPoint instanceof org.eclipse.jetty.io.IdleTimeout idle && idle.getIdleFor() >= IDLE_MILLIS) {
                endPoint.close();
            }
        }
    }

    /**
     * A graceful GOAWAY (last stream 2^31-1, RFC 9113 section 6.8): the client opens no new
     * stream on this connection and nothing it has already sent is refused. (Jetty's
     * {@code Session.shutdown()} names the last stream it has seen, and a request crossing it on
     * the wire fails with a RetryableStreamException.) The connection is closed once idle.
     */
    private static void goAway(HTTP2Connection h2) {
        HTTP2Session session = h2.getSession();
        session.goAway(new GoAwayFrame(Integer.MAX_VALUE, ErrorCode.NO_ERROR.code, GOING_AWAY), Callback.NOOP);
    }

    /** The protocol connection of an endpoint, under TLS if there is one. */
    private static Connection application(EndPoint endPoint) {
        Connection connection = endPoint.getConnection();
        while (connection instanceof SslConnection tls) {
            connection = tls.getSslEndPoint().getConnection();
        }
        return connection;
    }

    private static List<EndPoint> endPoints(List<Connector> connectors) {
        List<EndPoint> open = new ArrayList<>();
        for (Connector connector : connectors) {
            for (EndPoint endPoint : connector.getConnectedEndPoints()) {
                if (endPoint.isOpen()) {
                    open.add(endPoint);
                }
            }
        }
        return open;
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
