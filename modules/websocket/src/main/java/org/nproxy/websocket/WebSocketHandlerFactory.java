package org.nproxy.websocket;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.eclipse.jetty.server.Handler;
import org.nproxy.config.ConfigElement;
import org.nproxy.config.HandlerConfig;
import org.nproxy.config.ListenConfig;
import org.nproxy.config.LocationConfig;
import org.nproxy.config.NproxyConfig;
import org.nproxy.config.ServerConfig;
import org.nproxy.config.UpstreamConfig;
import org.nproxy.proxy.upstream.Upstreams;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

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
        Optional<UpstreamConfig> upstream = context.upstreamAttribute(e, "upstream");
        Duration idle = e.duration("idle-timeout", Duration.ofHours(1));
        if (idle.isZero() || idle.isNegative()) {
            e.attributeError("idle-timeout", "must be positive", "a duration such as 10m or 1h");
        }
        long maxMessage = e.size("max-message-size", 1024 * 1024);
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
            ping, connect, tries);
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
    public Handler create(WebSocketSettings settings, ModuleContext context) {
        if (settings.upstream() == null) {
            throw new IllegalStateException("<websocket> bound without an upstream; the loader should have rejected it");
        }
        // Tunnels outlive the generation that opened them: they live in the server-lifetime registry.
        Tunnels tunnels = context.shared(Tunnels.SHARED_KEY, Tunnels.class, () -> new Tunnels(context.server()));
        tunnels.shutdownTimeout(context.config().global().shutdownTimeout());
        Upstreams upstreams = context.shared(Upstreams.SHARED_KEY, Upstreams.class, Upstreams::new);
        UpstreamConfig current = context.config().upstreams().get(settings.upstream().name());
        UpstreamConfig config = current != null ? current : settings.upstream();
        return new WebSocketHandler(settings, upstreams.group(config, context.server().getByteBufferPool()), tunnels,
            registration(settings, context.config()), context.server().getScheduler());
    }

    /** The routes of this {@code <websocket>}: found by identity of its settings in the configuration. */
    private static Routes.Registration registration(WebSocketSettings settings, NproxyConfig config) {
        for (ServerConfig server : config.servers()) {
            for (LocationConfig location : server.locations()) {
                for (HandlerConfig h : location.handlers()) {
                    if (h.settings() == settings) {
                        String symbol = location.modifier().symbol;
                        return new Routes.Registration(server.listens().stream().map(ListenConfig::key).toList(),
                            server.label(), (symbol.isEmpty() ? "" : symbol + " ") + location.pattern(),
                            settings.upstream().name(), config, config.global().drainTimeout());
                    }
                }
            }
        }
        throw new IllegalStateException("<websocket> settings not found in the configuration they are created for");
    }
}
