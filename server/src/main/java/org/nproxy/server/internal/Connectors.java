package org.nproxy.server.internal;

import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.nproxy.config.GlobalSettings;
import org.nproxy.config.ListenConfig;

/**
 * Builds the connector of one listener: Java NIO (epoll on Linux), named by its listener key so
 * the dispatcher knows which virtual hosts apply. TLS, h2 and h3 plug in here.
 */
public final class Connectors {
    private Connectors() {
    }

    public static ServerConnector create(Server server, ListenConfig listen, GlobalSettings global) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(global.maxHeaderSize());
        http.setResponseHeaderSize(Math.max(16 * 1024, global.maxHeaderSize()));
        // Jetty's DEFAULT compliance: ambiguous segments such as %2e%2e and %2f are rejected with 400.
        http.setUriCompliance(UriCompliance.DEFAULT);
        http.setRelativeRedirectAllowed(true);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setName(listen.key());
        connector.setHost(listen.host());
        connector.setPort(listen.port());
        connector.setIdleTimeout(global.idleTimeout().toMillis());
        // Jetty cuts connections to 1s idle when shutting down; in-flight requests get the whole drain time.
        connector.setShutdownIdleTimeout(Math.max(global.shutdownTimeout().toMillis(), global.drainTimeout().toMillis()));
        connector.setReuseAddress(true);
        connector.setAcceptQueueSize(1024);
        return connector;
    }
}
