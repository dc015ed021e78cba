package org.nproxy.config;

import java.time.Duration;

/**
 * Attributes of the root {@code <nproxy>} element.
 *
 * @param shutdownTimeout  {@code shutdown-timeout}: how long {@code stop} waits for in-flight
 *                         requests before cutting them; default 30s
 * @param drainTimeout     {@code drain-timeout}: how long a replaced generation may finish its
 *                         in-flight work after a reload; default 60s
 * @param idleTimeout      {@code idle-timeout}: idle client connections are closed after; default 60s
 * @param maxHeaderSize    {@code max-header-size}: request line + headers; default 16k (431 above)
 * @param hardening        slow-client and per-address limits ({@link HardeningSettings})
 */
public record GlobalSettings(Duration shutdownTimeout, Duration drainTimeout, Duration idleTimeout,
                             int maxHeaderSize, HardeningSettings hardening) {
    /** Without hardening attributes: {@link HardeningSettings#DEFAULTS}. */
    public GlobalSettings(Duration shutdownTimeout, Duration drainTimeout, Duration idleTimeout, int maxHeaderSize) {
        this(shutdownTimeout, drainTimeout, idleTimeout, maxHeaderSize, HardeningSettings.DEFAULTS);
    }

    /** The part modules may read. */
    public org.nproxy.spi.ServerSettings forModules() {
        return new org.nproxy.spi.ServerSettings(shutdownTimeout, drainTimeout, idleTimeout, maxHeaderSize);
    }
}
