package org.nproxy.websocket;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.eclipse.jetty.server.Handler;
import org.nproxy.spi.ModuleContext;
import org.nproxy.upstream.UpstreamConfig;
import org.nproxy.upstream.forward.Forwarding;
import org.nproxy.upstream.forward.TunnelProvider;

/**
 * WebSocket tunnels for {@code <proxy>}: a location with {@code <proxy upstream="app"/>} alone
 * carries WebSocket upgrades to {@code app} with the default tunnel settings of
 * {@code <websocket>} (idle timeout 1h, no message size limit, no origin check, no pings, every
 * peer tried once) and the proxy's forwarding policy. A {@code <websocket>} element before the
 * {@code <proxy>} still takes the upgrades first, with its own settings.
 */
public final class WebSocketTunnelProvider implements TunnelProvider {
    @Override
    public String protocol() {
        return "websocket";
    }

    @Override
    public Handler create(UpstreamConfig upstream, Forwarding forwarding, ModuleContext context) throws Exception {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(forwarding, "forwarding");
        WebSocketSettings defaults = new WebSocketSettings(upstream, WebSocketSettings.DEFAULT_IDLE_TIMEOUT,
            WebSocketSettings.DEFAULT_MAX_MESSAGE_SIZE, List.of(), Duration.ZERO, Duration.ZERO, 0, forwarding);
        return new WebSocketHandlerFactory().create(defaults, context);
    }
}
