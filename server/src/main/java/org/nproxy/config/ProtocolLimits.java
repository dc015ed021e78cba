package org.nproxy.config;

import org.nproxy.spi.ConfigElement;

/**
 * HTTP/2 and HTTP/3 limits of a listener, attributes of {@code <listen>}.
 *
 * @param maxConcurrentStreams {@code max-concurrent-streams}: streams a client may open at once
 *                             per connection (h2 SETTINGS_MAX_CONCURRENT_STREAMS, h3 bidirectional
 *                             QUIC streams); default 128 (nginx: 128)
 * @param streamWindow         {@code stream-window}: initial receive window of each stream; default 512k
 * @param connectionWindow     {@code connection-window}: initial receive window of a connection; default 1m
 * @param maxHeaderListSize    {@code max-header-list-size}: request header list size (h2
 *                             SETTINGS_MAX_HEADER_LIST_SIZE, h3 QPACK); 0 = the global
 *                             {@code max-header-size} (default 16k)
 */
public record ProtocolLimits(int maxConcurrentStreams, int streamWindow, int connectionWindow, int maxHeaderListSize) {
    public static final ProtocolLimits DEFAULTS = new ProtocolLimits(128, 512 * 1024, 1024 * 1024, 0);

    static ProtocolLimits read(ConfigElement listen) {
        return new ProtocolLimits(
            listen.integer("max-concurrent-streams", DEFAULTS.maxConcurrentStreams(), 1, 65536),
            sizeAttr(listen, "stream-window", DEFAULTS.streamWindow()),
            sizeAttr(listen, "connection-window", DEFAULTS.connectionWindow()),
            sizeAttr(listen, "max-header-list-size", DEFAULTS.maxHeaderListSize()));
    }

    private static int sizeAttr(ConfigElement e, String attr, int defaultValue) {
        long v = e.size(attr, defaultValue);
        if (v < 0 || v > Integer.MAX_VALUE) {
            e.attributeError(attr, attr + " out of range", "a size from 1k to 2g");
            return defaultValue;
        }
        // HTTP/2 windows below the RFC's initial 65535 bytes only slow everything down.
        if ((attr.endsWith("window")) && v < 65535) {
            e.attributeError(attr, attr + "=\"" + v + "\" is below HTTP/2's initial window of 65535 bytes", "64k or more");
            return defaultValue;
        }
        return (int) v;
    }
}
