package org.nproxy.websocket;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import org.nproxy.spi.Meters;
import org.nproxy.spi.Mount;

/**
 * The meters of one {@code <websocket>} location: {@code nproxy_websocket_tunnels{server,location}}
 * open now, {@code nproxy_websocket_upgrades_total{server,location,result}} (ok; refused: the
 * upstream answered the handshake with another status; failed: no peer took it),
 * {@code nproxy_websocket_frames_total} and {@code nproxy_websocket_bytes_total}
 * {@code {server,location,direction}} (data frames and their payload bytes relayed,
 * {@code client_to_upstream} or {@code upstream_to_client}). Registered in the generation's scope,
 * so a location a reload removes loses its series after the drain; the count of open tunnels is
 * kept per location in the server-lifetime {@link Tunnels}, as tunnels outlive generations.
 */
final class WebSocketMeters {
    final AtomicInteger open;
    final Counter upgraded;
    final Counter refused;
    final Counter failed;
    final Counter framesToUpstream;
    final Counter framesToClient;
    final Counter bytesToUpstream;
    final Counter bytesToClient;

    private WebSocketMeters(Meters meters, Tags tags, AtomicInteger open) {
        this.open = open;
        meters.replace(r -> Gauge.builder("nproxy.websocket.tunnels", open, AtomicInteger::get)
            .description("WebSocket tunnels open now, per virtual host and location").tags(tags).register(r));
        String upgrades = "WebSocket upgrades per virtual host and location, by result (ok, refused by the upstream, failed)";
        upgraded = meters.register(r -> Counter.builder("nproxy.websocket.upgrades").description(upgrades)
            .tags(tags).tag("result", "ok").register(r));
        refused = meters.register(r -> Counter.builder("nproxy.websocket.upgrades").description(upgrades)
            .tags(tags).tag("result", "refused").register(r));
        failed = meters.register(r -> Counter.builder("nproxy.websocket.upgrades").description(upgrades)
            .tags(tags).tag("result", "failed").register(r));
        String frames = "WebSocket data frames relayed, per virtual host, location and direction";
        framesToUpstream = meters.register(r -> Counter.builder("nproxy.websocket.frames").description(frames)
            .tags(tags).tag("direction", "client_to_upstream").register(r));
        framesToClient = meters.register(r -> Counter.builder("nproxy.websocket.frames").description(frames)
            .tags(tags).tag("direction", "upstream_to_client").register(r));
        String bytes = "WebSocket payload bytes relayed in data frames, per virtual host, location and direction";
        bytesToUpstream = meters.register(r -> Counter.builder("nproxy.websocket.bytes").description(bytes)
            .tags(tags).tag("direction", "client_to_upstream").register(r));
        bytesToClient = meters.register(r -> Counter.builder("nproxy.websocket.bytes").description(bytes)
            .tags(tags).tag("direction", "upstream_to_client").register(r));
    }

    /** The meters of a location; {@code openByLocation} is the server-lifetime count per location. */
    static WebSocketMeters of(Meters meters, Mount mount, Map<String, AtomicInteger> openByLocation) {
        AtomicInteger open = openByLocation.computeIfAbsent(mount.server() + "\n" + mount.location(), k -> new AtomicInteger());
        return new WebSocketMeters(meters, Tags.of("server", mount.server(), "location", mount.location()), open);
    }

    /** A map for {@link #of}, kept by the server-lifetime {@link Tunnels}. */
    static Map<String, AtomicInteger> openCounts() {
        return new ConcurrentHashMap<>();
    }
}
