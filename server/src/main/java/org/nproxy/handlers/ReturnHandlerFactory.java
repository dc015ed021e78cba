package org.nproxy.handlers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.server.Handler;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;
import org.nproxy.spi.Template;

/**
 * {@code <return>}: answers directly, like nginx's {@code return}.
 *
 * <pre>{@code
 * <return status="200" body="pong"/>
 * <return status="301" location="https://$host$request_uri"/>
 * <return status="200" file="html/index.html" content-type="text/html; charset=utf-8">
 *   <header name="Cache-Control" value="no-cache"/>
 * </return>
 * }</pre>
 * Attributes: {@code status} (default 200), {@code body} (text with {@code $variables}),
 * {@code file} (a file read once per generation; mutually exclusive with body),
 * {@code location} (redirect target for 301/302/303/307/308; {@code $variables} allowed),
 * {@code content-type} (default {@code text/plain; charset=utf-8}), {@code delay} (answer after
 * this long, to stand in for a slow backend in tests and demos; default 0). Child {@code <header>}
 * elements add response headers.
 */
public final class ReturnHandlerFactory implements HandlerFactory<ReturnHandlerFactory.Settings> {
    /** Bound {@code <return>}. */
    public record Settings(int status, Template body, byte[] fileBody, Template location, String contentType,
                           List<Map.Entry<String, Template>> headers, java.time.Duration delay) {
    }

    @Override
    public String type() {
        return "return";
    }

    @Override
    public Settings bind(ConfigElement e, BindContext context) {
        int status = e.integer("status", 200, 100, 599);
        String body = e.string("body", null);
        String file = e.string("file", null);
        String location = e.string("location", null);
        String contentType = e.string("content-type", "text/plain; charset=utf-8");
        byte[] fileBody = null;
        if (body != null && file != null) {
            e.error("<return> has both body and file", "one of body=\"...\" or file=\"...\"");
        }
        if (file != null) {
            Path path = context.resolve(file);
            try {
                fileBody = Files.readAllBytes(path);
            } catch (IOException ex) {
                e.attributeError("file", "cannot read " + path + ": " + ex.getMessage(), "a readable file");
            }
        }
        boolean redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
        if (redirect && location == null) {
            e.error("status " + status + " is a redirect but has no target", "location=\"https://$host$request_uri\"");
        }
        if (!redirect && location != null) {
            e.attributeError("location", "location is only used with redirect statuses", "status 301, 302, 303, 307 or 308");
        }
        List<Map.Entry<String, Template>> headers = new ArrayList<>();
        for (ConfigElement h : e.children("header")) {
            String name = h.required("name");
            String value = h.string("value", "");
            if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                h.attributeError("name", "bad header name '" + name + "'", "an HTTP token such as X-Frame-Options");
            }
            headers.add(Map.entry(name, Template.parse(value)));
        }
        return new Settings(status, body == null ? null : Template.parse(body), fileBody,
            location == null ? null : Template.parse(location), contentType, List.copyOf(headers),
            e.duration("delay", java.time.Duration.ZERO));
    }

    @Override
    public Handler create(Settings settings, ModuleContext context) {
        return new ReturnHandler(settings);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
