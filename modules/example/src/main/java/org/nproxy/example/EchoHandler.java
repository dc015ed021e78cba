package org.nproxy.example;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Writes the request back as text/plain. Blocking code: it runs on a virtual thread. */
final class EchoHandler extends Handler.Abstract {
    private final EchoHandlerFactory.Settings settings;

    EchoHandler(EchoHandlerFactory.Settings settings) {
        this.settings = settings;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!settings.delay().isZero()) {
            Thread.sleep(settings.delay()); // a virtual thread: sleeping costs no platform thread
        }
        StringBuilder out = new StringBuilder();
        if (!settings.prefix().isEmpty()) {
            out.append(settings.prefix()).append('\n');
        }
        out.append(request.getMethod()).append(' ').append(request.getHttpURI().getPathQuery()).append(' ')
            .append(request.getConnectionMetaData().getProtocol()).append('\n');
        for (HttpField f : request.getHeaders()) {
            out.append(f.getName()).append(": ").append(f.getValue()).append('\n');
        }
        out.append('\n');
        try (InputStream in = Request.asInputStream(request)) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, settings.maxBody()));
            out.append(new String(body, StandardCharsets.UTF_8));
        }
        byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }
}
