package org.nproxy.server.internal;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.nproxy.config.GlobalSettings;
import org.nproxy.config.ListenConfig;
import org.nproxy.config.ProtocolLimits;
import org.nproxy.server.internal.h2.StrictH2cFactory;
import org.nproxy.server.internal.http1.GuardedHttpConnectionFactory;

/**
 * Builds the TCP connector of one listener: Java NIO (epoll on Linux), named by its listener key
 * so the dispatcher knows which virtual hosts apply. A cleartext listener speaks HTTP/1.1 and,
 * with {@code h2c} in its protocols, HTTP/2 by prior knowledge and by {@code Upgrade: h2c}.
 * TLS listeners are assembled by {@link Listener} with the same {@link #httpConfiguration}.
 */
public final class Connectors {
    private Connectors() {
    }

    /** A cleartext connector. */
    public static ServerConnector create(Server server, ListenConfig listen, GlobalSettings global) {
        HttpConfiguration http = httpConfiguration(listen, global);
        List<ConnectionFactory> factories = new ArrayList<>();
        if (listen.has("http/1.1")) {
            factories.add(new GuardedHttpConnectionFactory(http, global.hardening()));
        }
        if (listen.has("h2c")) {
            factories.add(limit(new StrictH2cFactory(http), listen.limits()));
        }
        return configure(new TcpConnector(server, factories.toArray(ConnectionFactory[]::new)), listen, global);
    }

    public static HttpConfiguration httpConfiguration(ListenConfig listen, GlobalSettings global) {
        int headerSize = listen.limits().maxHeaderListSize() > 0 ? listen.limits().maxHeaderListSize() : global.maxHeaderSize();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(headerSize);
        http.setResponseHeaderSize(Math.max(16 * 1024, headerSize));
        // Jetty's DEFAULT compliance: ambiguous segments such as %2e%2e and %2f are rejected with 400.
        http.setUriCompliance(UriCompliance.DEFAULT);
        http.setRelativeRedirectAllowed(true);
        return http;
    }

    static <F extends AbstractHTTP2ServerConnectionFactory> F limit(F h2, ProtocolLimits limits) {
        h2.setMaxConcurrentStreams(limits.maxConcurrentStreams());
        h2.setInitialStreamRecvWindow(limits.streamWindow());
        h2.setInitialSessionRecvWindow(limits.connectionWindow());
        return h2;
    }

    static ServerConnector configure(ServerConnector connector, ListenConfig listen, GlobalSettings global) {
        connector.setName(listen.key());
        connector.setHost(listen.host());
        connector.setPort(listen.port());
        connector.setIdleTimeout(global.idleTimeout().toMillis());
        // Jetty cuts connections to 1s idle when shutting down; in-flight requests get the whole drain time.
        connector.setShutdownIdleTimeout(Math.max(global.shutdownTimeout().toMillis(), global.drainTimeout().toMillis()));
        connector.setReuseAddress(true);
        connector.setReusePort(true); // nproxy.sh upgrade: the new process binds beside this one (see PortProbe)
        connector.setAcceptQueueSize(1024);
        if (global.hardening().maxConnectionsPerAddress() > 0) {
            connector.addEventListener(new PerAddressLimit(global.hardening().maxConnectionsPerAddress()));
        }
        return connector;
    }
}
