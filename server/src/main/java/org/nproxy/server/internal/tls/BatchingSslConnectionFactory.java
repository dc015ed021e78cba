package org.nproxy.server.internal.tls;

import javax.net.ssl.SSLEngine;

import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** Jetty's TLS connection factory, making {@link BatchingSslConnection}s. */
public final class BatchingSslConnectionFactory extends SslConnectionFactory {
    public BatchingSslConnectionFactory(SslContextFactory.Server factory, String nextProtocol) {
        super(factory, nextProtocol);
    }

    @Override
    protected SslConnection newSslConnection(Connector connector, EndPoint endPoint, SSLEngine engine) {
        return new BatchingSslConnection(connector.getByteBufferPool(), connector.getExecutor(), getSslContextFactory(),
            endPoint, engine, isDirectBuffersForEncryption(), isDirectBuffersForDecryption());
    }
}
