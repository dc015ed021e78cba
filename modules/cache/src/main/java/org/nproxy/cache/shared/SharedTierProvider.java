package org.nproxy.cache.shared;

import java.util.List;

import org.nproxy.spi.ResourceContext;

/**
 * Opens {@link SharedTier}s for the URI schemes it knows; a service (in
 * {@code META-INF/services/org.nproxy.cache.shared.SharedTierProvider}) of a module in {@code lib/}
 * or {@code lib/ext/}, found by the scheme of {@code <cache-zone shared="scheme://...">}.
 * The {@code cache-redis} module provides {@code redis}, {@code rediss}, {@code redis-sentinel},
 * {@code redis-cluster} and their TLS forms.
 */
public interface SharedTierProvider {
    /** The URI schemes this provider opens, lower case. */
    List<String> schemes();

    /**
     * Checks a URI while the configuration is bound (no connection): null when usable, else the
     * problem in one sentence (e.g. a password written into the URI).
     */
    String check(SharedSettings settings);

    /**
     * Opens the tier of one zone. Must not fail because the store is unreachable: it connects in
     * the background and reads as unavailable until then.
     */
    SharedTier open(String zone, SharedSettings settings, ResourceContext context) throws Exception;
}
