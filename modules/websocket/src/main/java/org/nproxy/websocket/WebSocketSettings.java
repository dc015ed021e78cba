package org.nproxy.websocket;

import java.time.Duration;
import java.util.List;

import org.nproxy.upstream.UpstreamConfig;
import org.nproxy.upstream.forward.Forwarding;

/**
 * The bound {@code <websocket>} element of one location. Immutable; see {@code docs/websocket.md}.
 *
 * @param upstream       the group whose balancer and peer health choose the peer of a tunnel (required)
 * @param idleTimeout    a tunnel with no frame either way for this long is closed with 1001 (default 1h,
 *                       separate from the request timeouts, like HAProxy's {@code timeout tunnel})
 * @param maxMessageSize a message (all its fragments) larger than this closes the tunnel with 1009
 *                       (default 0 = no limit, like nginx; frames are relayed in pieces of at most 64 KiB,
 *                       so memory per tunnel stays small whatever this is)
 * @param origins        allowed {@code Origin} values ({@code scheme://host[:port]}, {@code *} for any);
 *                       empty (the default) = no check; a request from another origin gets 403
 * @param pingInterval   a ping to both sides after this much time (keeps NAT and load balancers
 *                       open; pongs to it are not relayed); zero (the default) = none
 * @param connectTimeout the whole upstream handshake (TCP connect + 101) must finish within this
 *                       (default: the group's connect timeout, then 10s for the 101)
 * @param tries          peers tried when a connect fails (default: every peer of the group once)
 * @param forwarding     {@code host}, {@code forwarded}, {@code trusted-proxies}, {@code via}: the same
 *                       forwarding policy as {@code <proxy>} ({@link Forwarding})
 */
public record WebSocketSettings(UpstreamConfig upstream, Duration idleTimeout, long maxMessageSize,
                                List<String> origins, Duration pingInterval, Duration connectTimeout, int tries,
                                Forwarding forwarding) {
    /** Frames longer than this are relayed as several fragments (bounded memory per tunnel). */
    static final int RELAY_FRAME_SIZE = 64 * 1024;

    /**
     * Bytes read from a tunnel's connection at a time. A data frame longer than what one read holds is
     * relayed in pieces as it arrives (Jetty's auto-fragmenting parser never gathers a whole frame), so
     * this, not {@link #RELAY_FRAME_SIZE}, is the network memory a busy connection holds; an idle one
     * holds none (the buffer goes back to the pool when a read finds nothing). 16 KiB: a TLS record, a
     * quarter of the 64 KiB it used to be, which a burst of busy tunnels left behind in the pool.
     */
    static final int INPUT_BUFFER_SIZE = 16 * 1024;

    /**
     * Default {@code max-message-size}: none. The relay holds at most one 64 KiB piece per direction,
     * so a limit protects the peers' applications, not Nproxy; nginx relays frames without one.
     */
    static final long DEFAULT_MAX_MESSAGE_SIZE = 0;

    /** Default {@code idle-timeout}: 1h. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
}
