package org.nproxy.server.internal.http1;

import java.util.Objects;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.nproxy.config.HardeningSettings;

/**
 * Jetty's HTTP/1.1 connections with issue 18's slow-client and strict-framing defences, on
 * public Jetty API only: each connection reads through a {@link GuardedEndPoint} (request-head
 * deadline, strict chunked framing, HTTP/2 preface check), and its requests pass
 * {@link Http1Customizer} first (minimum body rate; the {@code https} scheme under TLS).
 */
public final class GuardedHttpConnectionFactory extends HttpConnectionFactory {
    private final long headTimeoutNanos;

    /** @param config copied, with {@link Http1Customizer} put first; the caller's stays as it is */
    public GuardedHttpConnectionFactory(HttpConfiguration config, HardeningSettings hardening) {
        super(withCustomizer(config, Objects.requireNonNull(hardening, "hardening")));
        this.headTimeoutNanos = hardening.headerTimeout().toNanos();
    }

    private static HttpConfiguration withCustomizer(HttpConfiguration config, HardeningSettings hardening) {
        HttpConfiguration copy = new HttpConfiguration(config);
        copy.getCustomizers().add(0, new Http1Customizer(hardening.minRequestRate()));
        return copy;
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        GuardedEndPoint guarded = new GuardedEndPoint(endPoint, connector.getScheduler(), headTimeoutNanos,
            connector.getConnectionFactory("h2c") != null);
        Connection connection = super.newConnection(connector, guarded);
        connection.addEventListener(guarded);
        return connection;
    }
}
