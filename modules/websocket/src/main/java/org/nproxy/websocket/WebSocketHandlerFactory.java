package org.nproxy.websocket;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.eclipse.jetty.server.Handler;
import org.nproxy.spi.ConfigElement;
import org.nproxy.upstream.UpstreamConfig;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;
import org.nproxy.spi.Mount;
import org.nproxy.upstream.UpstreamElementFactory;
import org.nproxy.upstream.UpstreamGroup;
import org.nproxy.upstream.forward.Forwarding;

/**
 * {@code <websocket>}: carries WebSocket upgrades (HTTP/1.1 {@code Upgrade}, HTTP/2 extended
 * CONNECT) through to a peer of an upstream group; other requests fall through to the next handler
 * of the location, usually {@code <proxy>} on the same group.
 *
 * <pre>{@code
 * <location path="/ws/">
 *   <websocket upstream="app" idle-timeout="10m" max-message-size="16m"
 *              origins="https://example.com" ping-interval="30s"/>
 *   <proxy upstream="app"/>
 * </location>
 * }</pre>
 */
public final class WebSocketHandlerFactory implements HandlerFactory<WebSocketSettings> {
    @Override
    public String type() {
        return "websocket";
    }

    @Override
    public WebSocketSettings bind(ConfigElement e, BindContext context) {
        Optional<UpstreamConfig> upstream = context.reference(e, "upstream", UpstreamElementFactory.TYPE, UpstreamConfig.class);
        Duration idle = e.duration("idle-timeout", WebSocketSettings.DEFAULT_IDLE_TIMEOUT);
        if (idle.isZero() || idle.isNegative()) {
            e.attributeError("idle-timeout", "must be positive", "a duration such as 10m or 1h");
        }
        long maxMessage = e.size("max-message-size", WebSocketSettings.DEFAULT_MAX_MESSAGE_SIZE);
        if (maxMessage < 0) {
            e.attributeError("max-message-size", "must not be negative", "a size such as 64k or 16m, or 0 for no limit");
        }
        List<String> origins = new ArrayList<>();
        for (String o : e.string("origins", "").trim().split("[\\s,]+")) {
            if (o.isEmpty()) {
                continue;
            }
            String normalized = normalizeOrigin(o);
            if (normalized == null) {
                e.attributeError("origins", "bad origin '" + o + "'",
                    "origins such as https://example.com http://localhost:8080, or *");
            } else {
                origins.add(normalized);
            }
        }
        Duration ping = e.duration("ping-interval", Duration.ZERO);
        Duration connect = e.duration("connect-timeout", Duration.ZERO);
        int tries = e.integer("tries", 0, 0, 100);
        return new WebSocketSettings(upstream.orElse(null), idle, Math.max(0, maxMessage), List.copyOf(origins),
            ping, connect, tries, Forwarding.bind(e));
    }

    /** {@code scheme://host[:port]} in lower case without a default port, {@code *}, or null when malformed. */
    static String normalizeOrigin(String origin) {
        if (origin.equals("*")) {
            return origin;
        }
        try {
            URI uri = URI.create(origin.trim());
            String scheme = uri.getScheme();
            String host = uri.getHost();
            if (scheme == null || host == null || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
                return null;
            }
            scheme = scheme.toLowerCase(Locale.ROOT);
            int port = uri.getPort();
            boolean defaultPort = port == -1 || (port == 80 && scheme.equals("http")) || (port == 443 && scheme.equals("https"));
            return scheme + "://" + host.toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
        } catch (IllegalArgumentException ex) {
            return null;
        }
    }

    @Override
    public Handler create(WebSocketSettings settings, ModuleContext context) throws Exception {
        if (settings.upstream() == null) {
            throw new IllegalStateException("<websocket> bound without an upstream; the loader should have rejected it");
        }
        // Tunnels outlive the generation that opened them: they live as long as the server.
        Tunnels tunnels = context.serverScoped(Tunnels.SHARED_KEY, Tunnels.class, () -> new Tunnels(context.server()));
        tunnels.shutdownTimeout(context.settings().shutdownTimeout());
        UpstreamGroup group = context.resource(UpstreamElementFactory.TYPE, settings.upstream().name(), UpstreamGroup.class);
        Mount mount = context.mount();
        Routes.Registration routes = new Routes.Registration(mount.listeners(), mount.server(), mount.location(),
            settings.upstream().name(), context.generation(), context.settings().drainTimeout());
        WebSocketMeters meters = WebSocketMeters.of(context.meters(), mount, tunnels.openByLocation);
        return new WebSocketHandler(settings, group, tunnels, routes, context.server().getScheduler(), meters);
    }
}
