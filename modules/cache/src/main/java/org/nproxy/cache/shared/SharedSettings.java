package org.nproxy.cache.shared;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code shared-*} attributes of a {@code <cache-zone>}: a value (no positions, no secrets),
 * part of the zone's settings, so that a reload with the same settings keeps the connection.
 *
 * @param uri              where the tier is, e.g. {@code redis://127.0.0.1:6379/0} (no password in it)
 * @param timeout          the bound of every call (default 100ms); a slower answer counts as a failure
 * @param maxObject        the largest body shared, in bytes (default the zone's max-object, at most 8m)
 * @param chunk            bodies above this many bytes are split across keys (default 512k)
 * @param lease            how long one instance holds a key's fetch lease, which is also how long the
 *                         others wait for its entry (default 3s; 0 turns collapsing across instances off)
 * @param failures         consecutive failures that open the circuit breaker (default 5)
 * @param retry            how often a down tier is probed in the background (default 1s)
 * @param passwordFile     a file whose first line is the password (or {@code user:password}), or null
 * @param passwordProperty a system property or environment variable holding it, or null
 */
public record SharedSettings(String uri, Duration timeout, long maxObject, int chunk, Duration lease, int failures,
                             Duration retry, Path passwordFile, String passwordProperty) {
    public SharedSettings {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(retry, "retry");
    }

    /** The URI scheme, lower case ({@code redis} in {@code redis://host}); empty when there is none. */
    public String scheme() {
        int colon = uri.indexOf("://");
        return colon <= 0 ? "" : uri.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
    }
}
