package org.nproxy.server.internal;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.nproxy.server.ShortReadEndPoint;

/** A listener's TCP connector: Jetty's, one acceptor and one selector, with {@link ShortReadEndPoint}s. */
final class TcpConnector extends ServerConnector {
    TcpConnector(Server server, ConnectionFactory... factories) {
        super(server, 1, 1, factories);
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        SocketChannelEndPoint endPoint = new ShortReadEndPoint(channel, selector, key, getScheduler());
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
    }
}
