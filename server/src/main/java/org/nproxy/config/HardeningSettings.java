package org.nproxy.config;

import org.nproxy.spi.ConfigElement;

import java.time.Duration;

/**
 * Defences against slow and greedy clients, attributes of the root {@code <nproxy>} element.
 * They apply to every TCP listener (HTTP/1.1; the head deadline also covers a cleartext
 * connection that has not yet shown which protocol it speaks).
 *
 * @param headerTimeout            {@code header-timeout}: the whole request head (request line and
 *                                 header fields) must arrive within this time, counted from the
 *                                 connection's accept for its first request and from the first
 *                                 byte for later ones; else 408 and close (nginx's
 *                                 {@code client_header_timeout}); default 10s; {@code 0} = off
 * @param minRequestRate           {@code min-request-rate}: bytes per second a client must keep up
 *                                 while a handler waits for its request body, measured over the
 *                                 time spent waiting; below it the body read fails with 408 and the
 *                                 connection closes; default 0 = off, as in Jetty and nginx: a
 *                                 legitimate streaming upload may pause longer than any rate allows
 *                                 (the idle timeout still cuts a client that sends nothing)
 * @param maxConnectionsPerAddress {@code max-connections-per-address}: open TCP connections one
 *                                 client IP address may hold on one listener; more are closed at
 *                                 accept; default 0 = no limit (behind a NAT or a CDN many clients
 *                                 share an address)
 */
public record HardeningSettings(Duration headerTimeout, long minRequestRate, int maxConnectionsPerAddress) {
    public static final HardeningSettings DEFAULTS = new HardeningSettings(Duration.ofSeconds(10), 0, 0);

    /** Reads the attributes from the root element, reporting bad values through it. */
    public static HardeningSettings read(ConfigElement root) {
        Duration header = root.duration("header-timeout", DEFAULTS.headerTimeout());
        long rate = root.size("min-request-rate", DEFAULTS.minRequestRate());
        if (rate < 0) {
            root.attributeError("min-request-rate", "min-request-rate is negative", "bytes per second, e.g. 256 or 1k; 0 = off");
            rate = DEFAULTS.minRequestRate();
        }
        int perAddress = root.integer("max-connections-per-address", DEFAULTS.maxConnectionsPerAddress(), 0, 1_000_000);
        return new HardeningSettings(header, rate, perAddress);
    }
}
