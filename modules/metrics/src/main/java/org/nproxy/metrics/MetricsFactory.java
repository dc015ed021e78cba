package org.nproxy.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * {@code <metrics/>}: the server's meters in the Prometheus text format (0.0.4), or OpenMetrics
 * 1.0.0 when the scraper's {@code Accept} asks for {@code application/openmetrics-text}.
 * Protect the location as any internal page (a listener on a private address, or an
 * {@code allow-from} on a {@code <status/>} beside it):
 * <pre>{@code <location path="= /metrics"><metrics/></location>}</pre>
 * The names are listed in {@code docs/observability.md}.
 */
public final class MetricsFactory implements HandlerFactory<Boolean> {
    static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    @Override
    public String type() {
        return "metrics";
    }

    @Override
    public Boolean bind(ConfigElement element, BindContext context) {
        return Boolean.TRUE;
    }

    @Override
    public Handler create(Boolean settings, ModuleContext context) throws Exception {
        MetricsHub hub = hub(context);
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String method = request.getMethod();
                if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
                    response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
                    Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
                    return true;
                }
                String accept = request.getHeaders().get(HttpHeader.ACCEPT);
                String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : TEXT;
                byte[] body = hub.scrape(type).getBytes(StandardCharsets.UTF_8);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                response.write(true, HttpMethod.HEAD.is(method) ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
                return true;
            }
        };
    }

    /** The server's one {@link MetricsHub}, opened by the first metrics or status location. */
    static MetricsHub hub(ModuleContext context) throws Exception {
        return context.serverScoped(MetricsHub.class, MetricsHub.class,
            () -> MetricsHub.open(context.meters(), context.server()));
    }
}
