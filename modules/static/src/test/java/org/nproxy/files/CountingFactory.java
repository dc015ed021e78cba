package org.nproxy.files;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * Test-only {@code <counting/>}: a wrapper that counts the body bytes passing through the
 * response, as a cache or compression wrapper would see them.
 */
public final class CountingFactory implements HandlerFactory<Object> {
    static final AtomicLong BYTES = new AtomicLong();

    @Override
    public String type() {
        return "counting";
    }

    @Override
    public Object bind(ConfigElement element, BindContext context) {
        return "counting";
    }

    @Override
    public Handler create(Object settings, ModuleContext context) {
        return new Handler.Wrapper() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                return super.handle(request, new Response.Wrapper(request, response) {
                    @Override
                    public void write(boolean last, ByteBuffer content, Callback cb) {
                        BYTES.addAndGet(content == null ? 0 : content.remaining());
                        super.write(last, content, cb);
                    }
                }, callback);
            }
        };
    }
}
