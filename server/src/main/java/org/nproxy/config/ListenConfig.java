package org.nproxy.config;

import org.nproxy.spi.Origin;
import java.util.List;

/**
 * A {@code <listen>}: one TCP listener (and, with {@code h3}, the UDP port of the same number).
 * Server blocks that list the same {@code host:port} share the listener and are told apart by
 * SNI and {@code Host}; they must then agree on {@code tls}, {@code protocols} and the limits.
 *
 * @param host      address to bind; default {@code 0.0.0.0} (all IPv4 interfaces), {@code [::]} for IPv6
 * @param port      1-65535, required (0 picks a free port, for tests)
 * @param tls       {@code tls="true"}: TLS with the certificates of the server blocks on it; default false
 * @param protocols in preference order; default {@code h2 http/1.1} with TLS, {@code http/1.1} without.
 *                  TLS: any of {@code h3 h2 http/1.1}; cleartext: any of {@code h2c http/1.1}
 * @param limits    HTTP/2 and HTTP/3 limits ({@link ProtocolLimits#DEFAULTS} unless set)
 */
public record ListenConfig(String host, int port, boolean tls, List<String> protocols, ProtocolLimits limits,
                           Origin origin) {
    public static final List<String> TLS_PROTOCOLS = List.of("h3", "h2", "http/1.1");
    public static final List<String> CLEARTEXT_PROTOCOLS = List.of("h2c", "http/1.1");

    public ListenConfig {
        protocols = List.copyOf(protocols);
    }

    /** A plain HTTP/1.1 listener. */
    public ListenConfig(String host, int port, Origin origin) {
        this(host, port, false, List.of("http/1.1"), ProtocolLimits.DEFAULTS, origin);
    }

    /** Identity of the listener, e.g. {@code 127.0.0.1:8080}. */
    public String key() {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    public boolean has(String protocol) {
        return protocols.contains(protocol);
    }

    /** Everything but the position: two {@code <listen>} of one listener must agree on it. */
    public String shape() {
        return "tls=\"" + tls + "\" protocols=\"" + String.join(" ", protocols) + "\" max-concurrent-streams=\""
            + limits.maxConcurrentStreams() + "\" stream-window=\"" + limits.streamWindow() + "\" connection-window=\""
            + limits.connectionWindow() + "\" max-header-list-size=\"" + limits.maxHeaderListSize() + "\"";
    }
}
