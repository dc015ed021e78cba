package org.nproxy.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

import org.eclipse.jetty.quic.server.QuicServerConnector;
import org.eclipse.jetty.quic.server.ServerQuicConfiguration;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;

/**
 * A QUIC connector whose UDP socket is bound with SO_REUSEPORT, like the TCP connectors, so the
 * new process of {@code nproxy.sh upgrade} can bind the same port while the old one drains.
 * (The kernel spreads UDP flows over the sockets by address hash, so QUIC connections open
 * during an upgrade may be cut; HTTP/3 clients then reconnect.)
 */
final class ReusePortQuicConnector extends QuicServerConnector {
    ReusePortQuicConnector(Server server, ServerQuicConfiguration config, ConnectionFactory... factories) {
        super(server, config, factories);
    }

    @Override
    protected DatagramChannel openDatagramChannel() throws IOException {
        InetSocketAddress address = getHost() == null ? new InetSocketAddress(getPort())
            : new InetSocketAddress(getHost(), getPort());
        DatagramChannel channel = DatagramChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            channel.bind(address);
            return channel;
        } catch (Throwable x) {
            channel.close();
            throw new IOException("cannot bind UDP " + address + ": " + x.getMessage(), x);
        }
    }
}
