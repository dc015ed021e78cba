package org.nproxy.testing;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * A test handler, {@code <read-body/>}: reads the whole request body, then answers 200 with its
 * length. A body that fails (a reset stream, a framing error) fails the request instead, so a
 * test sees the protocol's verdict and not a race with an answer sent before the body.
 */
public final class ReadBodyFactory implements HandlerFactory<Boolean> {
    @Override
    public String type() {
        return "read-body";
    }

    @Override
    public Boolean bind(ConfigElement e, BindContext context) {
        return Boolean.TRUE;
    }

    @Override
    public Handler create(Boolean settings, ModuleContext context) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                long length = Content.Source.asByteBuffer(request).remaining();
                Content.Sink.write(response, true, Long.toString(length), callback);
                return true;
            }
        };
    }
}
