package org.nproxy.server.internal.http1;

import java.util.Objects;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.nproxy.config.HardeningSettings;

/** HTTP/1.1 connections with the head deadline, body rate and strict chunking of {@link GuardedHttpConnection}. */
public final class GuardedHttpConnectionFactory extends HttpConnectionFactory {
    private final HardeningSettings hardening;

    public GuardedHttpConnectionFactory(HttpConfiguration config, HardeningSettings hardening) {
        super(config);
        this.hardening = Objects.requireNonNull(hardening, "hardening");
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        GuardedHttpConnection connection = new GuardedHttpConnection(getHttpConfiguration(), connector, endPoint, hardening);
        connection.setUseInputDirectByteBuffers(isUseInputDirectByteBuffers());
        connection.setUseOutputDirectByteBuffers(isUseOutputDirectByteBuffers());
        return configure(connection, connector, endPoint);
    }
}
