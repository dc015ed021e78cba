package org.nproxy.cache.shared;

import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import org.nproxy.spi.ResourceContext;

/** Finds the {@link SharedTierProvider} of a {@code shared="scheme://..."} URI among the installed modules. */
public final class SharedTiers {
    private SharedTiers() {
    }

    /** The provider of a scheme, if an installed module has one. */
    public static Optional<SharedTierProvider> provider(List<SharedTierProvider> providers, String scheme) {
        return providers.stream().filter(p -> p.schemes().contains(scheme)).findFirst();
    }

    /** The schemes the installed modules provide, sorted (for error messages). */
    public static String known(List<SharedTierProvider> providers) {
        TreeSet<String> all = new TreeSet<>();
        providers.forEach(p -> all.addAll(p.schemes()));
        return all.isEmpty() ? "none (no module with a shared tier is installed; the cache-redis module provides redis://)"
            : String.join(", ", all);
    }

    /** Opens a zone's shared tier with the provider of its scheme. */
    public static SharedTier open(String zone, SharedSettings settings, ResourceContext context) throws Exception {
        List<SharedTierProvider> providers = context.services(SharedTierProvider.class);
        SharedTierProvider provider = provider(providers, settings.scheme()).orElseThrow(() -> new IllegalStateException(
            "cache-zone '" + zone + "': no installed module provides shared tiers of scheme '" + settings.scheme()
                + "'; installed: " + known(providers)));
        return provider.open(zone, settings, context);
    }
}
