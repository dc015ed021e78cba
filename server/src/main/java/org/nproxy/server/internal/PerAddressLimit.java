package org.nproxy.server.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SelectableChannelEndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the open TCP connections of one client IP address on one connector (root attribute
 * {@code max-connections-per-address}). A connection over the cap is closed as soon as it opens,
 * before a byte is read: no answer, as nginx's {@code limit_conn} would spend one on a client
 * that is already holding too many. Only connections on the network end point count: the TLS
 * layer's inner connections, and a connection replaced by an upgrade (h2c), do not add up.
 */
final class PerAddressLimit implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(PerAddressLimit.class);

    private final int max;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();
    /** The address each counted connection was counted under: a closed socket no longer says. */
    private final ConcurrentHashMap<Connection, InetAddress> counted = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();

    PerAddressLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, not " + max);
        }
        this.max = max;
    }

    @Override
    public void onOpened(Connection connection) {
        InetAddress address = address(connection);
        if (address == null) {
            return;
        }
        counted.put(connection, address);
        int count = open.merge(address, 1, Integer::sum);
        if (count > max) {
            long n = refused.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                LOG.warn("{} holds more than {} connections (max-connections-per-address); closing the excess ({} so far)",
                    address.getHostAddress(), max, n);
            }
            connection.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        InetAddress address = counted.remove(connection);
        if (address != null) {
            open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** Open connections of an address right now (for tests and the status page). */
    int open(InetAddress address) {
        return open.getOrDefault(address, 0);
    }

    private static InetAddress address(Connection connection) {
        EndPoint endPoint = connection.getEndPoint();
        // HTTP/1.1 reads through a wrapping endpoint (the request-head guard): look under it, but
        // never under TLS (that connection was counted on the socket's own endpoint).
        while (endPoint instanceof EndPoint.Wrapper wrapper && !endPoint.isSecure()) {
            endPoint = wrapper.unwrap();
        }
        if (!(endPoint instanceof SelectableChannelEndPoint)) {
            return null;
        }
        SocketAddress remote = endPoint.getRemoteSocketAddress();
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }
}
