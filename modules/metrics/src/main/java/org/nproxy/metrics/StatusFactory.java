package org.nproxy.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.server.Handler;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;
import org.nproxy.upstream.PeerState;
import org.nproxy.upstream.UpstreamGroup;
import org.nproxy.upstream.forward.Cidr;

/**
 * {@code <status/>}: a live dashboard (HAProxy's stats page in spirit) of listeners, virtual
 * hosts and locations with request rates and status codes, upstream groups with each peer's
 * health, in-flight requests and pool use, and the configuration generation. The page polls its
 * own JSON ({@code Accept: application/json} on the same URL) and needs nothing from outside:
 * its script and style are served by this handler. Operators can drain a peer and bring it back
 * (from the page or with {@code POST <location>/drain?upstream=app&peer=10.0.0.7:8080&drain=true}),
 * kept until the next reload.
 * <pre>{@code
 * <location path="/status"><status allow-from="127.0.0.1/32 10.0.0.0/8" refresh="2s"/></location>
 * }</pre>
 *
 * @see StatusHandler
 */
public final class StatusFactory implements HandlerFactory<StatusFactory.Settings> {
    /**
     * @param allowFrom client addresses allowed in; others get 403. Default {@code 127.0.0.1/32 ::1/128}
     * @param refresh   how often the page polls; default 2s
     */
    public record Settings(List<Cidr> allowFrom, Duration refresh) {
        public Settings {
            allowFrom = List.copyOf(allowFrom);
        }
    }

    @Override
    public String type() {
        return "status";
    }

    @Override
    public Settings bind(ConfigElement element, BindContext context) {
        List<Cidr> allow = new ArrayList<>();
        for (String t : element.string("allow-from", "127.0.0.1/32 ::1/128").trim().split("[\\s,]+")) {
            if (t.isEmpty()) {
                continue;
            }
            try {
                allow.add(Cidr.parse(t));
            } catch (IllegalArgumentException e) {
                element.attributeError("allow-from", "bad address or block '" + t + "'",
                    "addresses or CIDR blocks such as 127.0.0.1/32 10.0.0.0/8 ::1");
            }
        }
        Duration refresh = element.duration("refresh", Duration.ofSeconds(2));
        if (refresh.toMillis() < 200) {
            element.attributeError("refresh", "refresh of " + refresh.toMillis() + "ms is too often", "200ms or more");
        }
        return new Settings(allow, refresh);
    }

    @Override
    public Handler create(Settings settings, ModuleContext context) throws Exception {
        MetricsHub hub = MetricsFactory.hub(context);
        Map<String, UpstreamGroup> groups = new LinkedHashMap<>();
        for (String name : context.names("upstream")) {
            UpstreamGroup group = context.resource("upstream", name, UpstreamGroup.class);
            groups.put(name, group);
            // An operator's drain lasts until the next reload: this is a new generation.
            for (PeerState state : group.states()) {
                state.drain(false);
            }
        }
        String prefix = context.mount().prefix();
        String base = prefix == null ? "/status" : prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return new StatusHandler(settings, base, context.meters().registry(), hub, groups);
    }
}
