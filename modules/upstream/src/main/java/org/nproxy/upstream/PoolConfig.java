package org.nproxy.upstream;

import java.time.Duration;

/**
 * Connection settings of an upstream group (attributes of {@code <upstream>}), applied by the
 * proxy module to its keep-alive pool of each peer.
 *
 * @param keepalive         connections per peer the pool may hold open (idle or in use); default 128
 * @param keepaliveTimeout  an idle pooled connection is closed after this; default 60s
 * @param keepaliveRequests requests per connection before it is retired; default 1000, 0 = no limit
 * @param connectTimeout    a TCP connect that takes longer fails (counts as a peer failure); default 5s
 * @param maxHeaderSize     {@code max-header-size}: the largest request head sent to a peer and response
 *                          head read from one; default {@link #headerSizeFor} the root {@code max-header-size}
 *                          (64 KiB with the root's 16k default), so that whatever a listener accepted can be
 *                          forwarded. The buffers grow to it only when a message needs it.
 */
public record PoolConfig(int keepalive, Duration keepaliveTimeout, int keepaliveRequests, Duration connectTimeout,
                         int maxHeaderSize) {
    /** Default of {@link #maxHeaderSize}: 64 KiB, more when the listeners accept more. */
    public static final int MIN_HEADER_SIZE = 64 * 1024;

    /** The defaults, for code that builds an {@link UpstreamConfig} by hand. */
    public static final PoolConfig DEFAULTS = new PoolConfig(128, Duration.ofSeconds(60), 1000, Duration.ofSeconds(5));

    /** Without {@code maxHeaderSize}: the default. */
    public PoolConfig(int keepalive, Duration keepaliveTimeout, int keepaliveRequests, Duration connectTimeout) {
        this(keepalive, keepaliveTimeout, keepaliveRequests, connectTimeout, MIN_HEADER_SIZE);
    }

    /**
     * The default {@link #maxHeaderSize} for a server whose listeners accept request heads of up
     * to {@code listenerMax} bytes: room for all of it plus the forwarding headers the proxy adds.
     */
    public static int headerSizeFor(int listenerMax) {
        return (int) Math.min(Integer.MAX_VALUE / 2, Math.max(MIN_HEADER_SIZE, 2L * listenerMax));
    }
}
