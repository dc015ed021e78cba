package org.nproxy.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A real origin on 127.0.0.1: {@code /healthz} 200, a path containing {@code err} 500,
 * anything else 200 {@code ok}. {@link #stop} kills it (its port then refuses connections).
 */
final class TestOrigin implements AutoCloseable {
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);

    TestOrigin() throws Exception {
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                boolean err = Request.getPathInContext(request).contains("err");
                response.setStatus(err ? 500 : 200);
                response.write(true, ByteBuffer.wrap((err ? "err" : "ok").getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        server.start();
    }

    int port() {
        return connector.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    void stop() throws Exception {
        server.stop();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
