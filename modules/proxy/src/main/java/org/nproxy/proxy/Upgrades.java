package org.nproxy.proxy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.nproxy.spi.Handlers;
import org.nproxy.upstream.forward.TunnelProvider;
import org.nproxy.upstream.forward.UpstreamErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol upgrades of a {@code <proxy>} location: a WebSocket upgrade goes to the tunnel
 * handler of the module that carries it ({@link TunnelProvider}, found through the SPI), on a
 * virtual thread since the handshake with the peer blocks. Without such a module it is answered
 * 501 and logged once with the fix. Other upgrade tokens (say {@code h2c}) are proxied as plain
 * requests: {@code Upgrade} is hop-by-hop, so the peer never sees it.
 */
final class Upgrades extends ContainerLifeCycle {
    private static final Logger LOG = LoggerFactory.getLogger(Upgrades.class);

    private final Map<String, Handler> byProtocol;
    private final AtomicBoolean missingLogged = new AtomicBoolean();

    Upgrades(Map<String, Handler> byProtocol) {
        this.byProtocol = Map.copyOf(byProtocol);
        byProtocol.values().forEach(this::addBean);
    }

    void setServer(Server server) {
        byProtocol.values().forEach(h -> h.setServer(server));
    }

    /** True when the request was an upgrade and is taken care of here; false: proxy it as usual. */
    boolean handle(ProxyHandler proxy, Request clientToProxyRequest, Response proxyToClientResponse, Callback callback) {
        String protocol = protocol(clientToProxyRequest);
        if (protocol == null) {
            return false;
        }
        Handler tunnels = byProtocol.get(protocol);
        if (tunnels != null) {
            Handlers.blockingExecutor(clientToProxyRequest.getComponents().getExecutor()).execute(() -> {
                try {
                    if (!tunnels.handle(clientToProxyRequest, proxyToClientResponse, callback)) {
                        new ProxyCall(proxy, clientToProxyRequest, proxyToClientResponse, callback).next(null);
                    }
                } catch (Throwable x) {
                    callback.failed(x); // Jetty answers 500 if nothing was sent yet
                }
            });
            return true;
        }
        if (!protocol.equals("websocket")) {
            return false;
        }
        String fix = "install the websocket module (lib/nproxy-websocket-*.jar, part of the distribution)";
        if (missingLogged.compareAndSet(false, true)) {
            LOG.warn("{}: a WebSocket upgrade for {} was answered 501: no module carries WebSocket; {}", proxy,
                clientToProxyRequest.getHttpURI().getPath(), fix);
        }
        UpstreamErrors.write(proxyToClientResponse, callback, HttpStatus.NOT_IMPLEMENTED_501,
            "WebSocket is not available here: " + fix);
        return true;
    }

    /**
     * The protocol the request upgrades to, lower case, or null: HTTP/1.1 {@code GET} with
     * {@code Connection: upgrade} and {@code Upgrade: websocket}, or an h2/h3 extended
     * {@code CONNECT} carrying a {@code Sec-WebSocket-Version}.
     */
    static String protocol(Request request) {
        HttpFields h = request.getHeaders();
        if (HttpMethod.CONNECT.is(request.getMethod())) {
            return h.contains(HttpHeader.SEC_WEBSOCKET_VERSION) ? "websocket" : null;
        }
        if (!h.contains(HttpHeader.UPGRADE) || !h.contains(HttpHeader.CONNECTION, "upgrade")) {
            return null;
        }
        List<String> tokens = h.getCSV(HttpHeader.UPGRADE, false);
        for (String t : tokens) {
            String name = t.trim().toLowerCase(java.util.Locale.ROOT);
            int slash = name.indexOf('/');
            name = slash < 0 ? name : name.substring(0, slash);
            if (name.equals("websocket")) {
                return name;
            }
        }
        return tokens.isEmpty() ? null : tokens.get(0).trim().toLowerCase(java.util.Locale.ROOT);
    }
}
