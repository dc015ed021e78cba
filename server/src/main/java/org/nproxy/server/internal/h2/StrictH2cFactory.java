package org.nproxy.server.internal.h2;

import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;

/** Cleartext HTTP/2 (prior knowledge and {@code Upgrade: h2c}) with the checks of {@link StrictH2Factory}. */
public final class StrictH2cFactory extends HTTP2CServerConnectionFactory {
    public StrictH2cFactory(HttpConfiguration config) {
        super(config);
    }

    @Override
    protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint) {
        return new StrictH2Factory.StrictSessionListener(this, endPoint);
    }
}
