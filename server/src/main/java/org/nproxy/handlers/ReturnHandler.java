package org.nproxy.handlers;

import java.nio.ByteBuffer;
import java.util.Map;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.Handlers;
import org.nproxy.spi.RequestVariables;
import org.nproxy.spi.Template;

/** Serves a {@code <return>}: fixed status, headers and body (or a redirect). */
final class ReturnHandler extends Handler.Abstract {
    private final ReturnHandlerFactory.Settings settings;
    /** The body, encoded once, when its template has no variable (as nginx keeps a constant value); else null. */
    private final byte[] constantBody;

    ReturnHandler(ReturnHandlerFactory.Settings settings) {
        // Without a delay it only writes a prepared answer: the selector may run it in place.
        super(settings.delay().isZero() ? InvocationType.NON_BLOCKING : InvocationType.BLOCKING);
        this.settings = settings;
        this.constantBody = settings.body() != null && settings.body().isConstant()
            ? ReturnHandlerFactory.utf8(settings.body().render(name -> null)) : null;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws InterruptedException {
        if (!settings.delay().isZero()) {
            Thread.sleep(settings.delay()); // a virtual thread: costs no platform thread
        }
        response.setStatus(settings.status());
        for (Map.Entry<String, Template> h : settings.headers()) {
            response.getHeaders().add(h.getKey(), h.getValue().render(n -> RequestVariables.get(request, n)));
        }
        byte[] body;
        if (settings.location() != null) {
            String target = settings.location().render(n -> RequestVariables.get(request, n));
            response.getHeaders().put(HttpHeader.LOCATION, target);
            body = settings.body() != null ? ReturnHandlerFactory.utf8(render(settings.body(), request))
                : ReturnHandlerFactory.utf8(settings.status() + " " + HttpStatus.getMessage(settings.status()) + "\n");
        } else if (settings.fileBody() != null) {
            body = settings.fileBody();
        } else if (constantBody != null) {
            body = constantBody; // shared: written, never changed
        } else if (settings.body() != null) {
            body = ReturnHandlerFactory.utf8(render(settings.body(), request));
        } else {
            body = null;
        }
        if (body == null || HttpStatus.hasNoBody(settings.status())) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
            Handlers.endWithoutBody(response, callback);
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, settings.contentType());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (HttpMethod.HEAD.is(request.getMethod())) {
            Handlers.endWithoutBody(response, callback);
            return true;
        }
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    private static String render(Template t, Request request) {
        return t.render(n -> RequestVariables.get(request, n));
    }
}
