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
    private static final String BUILD = build();

    private final EchoHandlerFactory.Settings settings;
    private final GreetingFactory.Greeting greeting;

    EchoHandler(EchoHandlerFactory.Settings settings, GreetingFactory.Greeting greeting) {
        this.settings = settings;
        this.greeting = greeting;
    }

    /**
     * The build number in this jar's {@code example.properties} (tests replace it to tell jars
     * apart). Read without the JDK's jar cache: a jar replaced in {@code lib/ext/} keeps its path,
     * and a cached handle would still show the old jar's entries to the new class loader.
     */
    private static String build() {
        java.util.Properties p = new java.util.Properties();
        java.net.URL url = EchoHandler.class.getResource("/org/nproxy/example/example.properties");
        if (url == null) {
            return "unknown";
        }
        try {
            java.net.URLConnection connection = url.openConnection();
            connection.setUseCaches(false);
            try (InputStream in = connection.getInputStream()) {
                p.load(in);
            }
        } catch (java.io.IOException e) {
            return "unknown";
        }
        return p.getProperty("build", "unknown");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!settings.delay().isZero()) {
            Thread.sleep(settings.delay()); // a virtual thread: sleeping costs no platform thread
        }
        StringBuilder out = new StringBuilder();
        if (greeting != null) {
            out.append(greeting.use()).append('\n');
        }
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
        response.getHeaders().put("X-Echo-Build", BUILD);
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }
}
