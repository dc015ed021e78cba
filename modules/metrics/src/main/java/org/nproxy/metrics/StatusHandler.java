package org.nproxy.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.nproxy.upstream.PeerState;
import org.nproxy.upstream.UpstreamGroup;
import org.nproxy.upstream.forward.Cidr;

/**
 * Serves the status page under {@code base}: {@code base} (HTML, or the JSON for
 * {@code Accept: application/json}), {@code base/status.js}, {@code base/status.css},
 * {@code base/status.json}, and {@code POST base/drain} (form or query fields {@code upstream},
 * {@code peer}, {@code drain=true|false}). Clients outside {@code allow-from} get 403, and so
 * does a drain a browser sends from another site's page ({@code Origin} or {@code Sec-Fetch-Site}).
 */
final class StatusHandler extends Handler.Abstract {
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:";

    private final StatusFactory.Settings settings;
    private final String base;
    private final MeterRegistry registry;
    private final MetricsHub hub;
    private final Map<String, UpstreamGroup> groups;
    private final byte[] html;
    private final byte[] js;
    private final byte[] css;

    StatusHandler(StatusFactory.Settings settings, String base, MeterRegistry registry, MetricsHub hub,
                  Map<String, UpstreamGroup> groups) {
        this.settings = settings;
        this.base = base;
        this.registry = registry;
        this.hub = hub;
        this.groups = groups;
        this.html = resource("status.html").replace("{{base}}", base)
            .replace("{{refresh}}", Long.toString(settings.refresh().toMillis())).getBytes(StandardCharsets.UTF_8);
        this.js = resource("status.js").getBytes(StandardCharsets.UTF_8);
        this.css = resource("status.css").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!allowed(request)) {
            Response.writeError(request, response, callback, HttpStatus.FORBIDDEN_403);
            return true;
        }
        String path = Request.getPathInContext(request);
        String rest = path.startsWith(base) ? path.substring(base.length()) : path;
        String method = request.getMethod();
        if (rest.equals("/drain")) {
            if (!HttpMethod.POST.is(method)) {
                response.getHeaders().put(HttpHeader.ALLOW, "POST");
                Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
                return true;
            }
            if (crossSite(request)) {
                // A page elsewhere must not drain peers through an operator's browser.
                Response.writeError(request, response, callback, HttpStatus.FORBIDDEN_403);
                return true;
            }
            drain(request, response, callback);
            return true;
        }
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
            return true;
        }
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        switch (rest) {
            case "", "/" -> {
                if (accept != null && accept.contains("application/json")) {
                    send(response, callback, "application/json", json());
                } else {
                    send(response, callback, "text/html; charset=utf-8", html);
                }
            }
            case "/status.json" -> send(response, callback, "application/json", json());
            case "/status.js" -> send(response, callback, "text/javascript; charset=utf-8", js);
            case "/status.css" -> send(response, callback, "text/css; charset=utf-8", css);
            default -> Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
        return true;
    }

    private byte[] json() {
        hub.scrape(MetricsFactory.TEXT); // syncs the listener meters; cheap next to a browser's poll
        return Json.write(StatusData.collect(registry, groups)).getBytes(StandardCharsets.UTF_8);
    }

    private void drain(Request request, Response response, Callback callback) throws Exception {
        Fields fields = Request.getParameters(request);
        String upstream = fields.getValue("upstream");
        String peer = fields.getValue("peer");
        boolean drain = !"false".equals(fields.getValue("drain"));
        UpstreamGroup group = upstream == null ? null : groups.get(upstream);
        PeerState state = null;
        if (group != null) {
            for (int i = 0; i < group.states().size(); i++) {
                if (group.config().peers().get(i).address().equals(peer)) {
                    state = group.states().get(i);
                }
            }
        }
        if (state == null) {
            response.setStatus(HttpStatus.NOT_FOUND_404);
            send(response, callback, "application/json", Json.write(Map.of("error",
                "no peer '" + peer + "' in upstream '" + upstream + "'")).getBytes(StandardCharsets.UTF_8));
            return;
        }
        state.drain(drain);
        send(response, callback, "application/json", Json.write(Map.of("upstream", upstream, "peer", peer,
            "drained", state.drained())).getBytes(StandardCharsets.UTF_8));
    }

    /** A browser's cross-site POST: its {@code Origin} names another host than the request's. */
    private static boolean crossSite(Request request) {
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if ("cross-site".equals(request.getHeaders().get("Sec-Fetch-Site"))) {
            return true;
        }
        if (origin == null) {
            return false; // not a browser (curl, a script): allow-from decides
        }
        int at = origin.indexOf("://");
        return at < 0 || !origin.substring(at + 3).equalsIgnoreCase(request.getHttpURI().getAuthority());
    }

    private boolean allowed(Request request) {
        try {
            InetAddress client = InetAddress.getByName(Request.getRemoteAddr(request));
            for (Cidr c : settings.allowFrom()) {
                if (c.contains(client)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static void send(Response response, Callback callback, String type, byte[] body) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("Content-Security-Policy", CSP);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static String resource(String name) {
        try (InputStream in = StatusHandler.class.getResourceAsStream("/org/nproxy/metrics/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource org/nproxy/metrics/" + name + " in the metrics jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
