package org.nproxy.handlers;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * {@code <ready/>}: a readiness probe for load balancers and orchestrators. Answers
 * {@code 200 ready} while this process serves, and {@code 503 draining} (with
 * {@code Connection: close}) once the listener the request came through stops accepting: during
 * {@code nproxy.sh stop} and on the old process of {@code nproxy.sh upgrade}, so a balancer moves
 * its traffic before the process goes away. No attributes.
 *
 * <pre>{@code
 * <location path="= /ready"><ready/></location>
 * }</pre>
 */
public final class ReadyHandlerFactory implements HandlerFactory<ReadyHandlerFactory.Settings> {
    /** Bound {@code <ready/>}: nothing to configure. */
    public record Settings() {
    }

    @Override
    public String type() {
        return "ready";
    }

    @Override
    public Settings bind(ConfigElement e, BindContext context) {
        return new Settings();
    }

    @Override
    public Handler create(Settings settings, ModuleContext context) {
        return new Ready();
    }

    private static final class Ready extends Handler.Abstract {
        private static final ByteBuffer READY = ByteBuffer.wrap("ready\n".getBytes(StandardCharsets.US_ASCII));
        private static final ByteBuffer DRAINING = ByteBuffer.wrap("draining\n".getBytes(StandardCharsets.US_ASCII));

        Ready() {
            super(InvocationType.NON_BLOCKING); // writes a prepared answer: may run on the selector
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Connector connector = request.getConnectionMetaData().getConnector();
            // Shut down (stop), or no longer accepting (the old process of an upgrade closes its listening
            // socket without Jetty's shutdown, see Listener#handOver), or stopping.
            boolean draining = connector.isShutdown() || connector instanceof NetworkConnector listening && !listening.isOpen()
                || !connector.getServer().isRunning();
            response.setStatus(draining ? 503 : 200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            if (draining && request.getConnectionMetaData().getHttpVersion().getVersion() < 20) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            response.write(true, (draining ? DRAINING : READY).slice(), callback);
            return true;
        }
    }
}
