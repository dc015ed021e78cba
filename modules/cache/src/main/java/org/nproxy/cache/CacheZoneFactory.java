package org.nproxy.cache;

import java.nio.file.Path;

import org.nproxy.cache.shared.SharedSettings;
import org.nproxy.cache.shared.SharedTierProvider;
import org.nproxy.cache.shared.SharedTiers;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.ElementFactory;
import org.nproxy.spi.ResourceContext;

/**
 * The {@code <cache-zone>} element: binds it to {@link ZoneSettings} and opens its
 * {@link CacheZone} (the store) for the generations whose {@code <cache>} handlers name it.
 *
 * <pre>{@code
 * <cache-zone name="pages" heap="64m" off-heap="256m" disk="2g" dir="var/cache/pages" max-object="64m"/>
 * }</pre>
 */
public final class CacheZoneFactory implements ElementFactory<ZoneSettings> {
    /** The element name, and the type handlers name in {@code BindContext#reference}. */
    public static final String TYPE = "cache-zone";
    private static final long MB = 1 << 20;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String example(String name) {
        return "a <cache-zone name=\"" + name + "\" heap=\"64m\" disk=\"1g\"/>";
    }

    @Override
    public ZoneSettings bind(ConfigElement e, BindContext context) {
        String name = e.string("name", "");
        long heap = e.size("heap", 16 * MB);
        long offHeap = e.size("off-heap", 0);
        long disk = e.size("disk", 0);
        long maxObject = e.size("max-object", 16 * MB);
        String dir = e.string("dir", "var/cache/" + name);
        if (heap < MB) {
            e.attributeError("heap", "heap=\"" + e.string("heap", "") + "\" is too small", "at least 1m, e.g. heap=\"64m\"");
        }
        if (offHeap != 0 && offHeap < MB) {
            e.attributeError("off-heap", "off-heap below 1m", "0 for no off-heap tier, or a size such as 256m");
        }
        if (disk != 0 && disk < MB) {
            e.attributeError("disk", "disk below 1m", "0 for no disk tier, or a size such as 2g");
        }
        if (offHeap > 0 && disk > 0 && offHeap >= disk) {
            e.attributeError("off-heap", "off-heap (" + e.string("off-heap", "") + ") must be smaller than disk ("
                + e.string("disk", "") + "): each tier holds a subset of the one below", "off-heap smaller than disk");
        }
        if (maxObject < 1) {
            e.attributeError("max-object", "max-object must be at least 1 byte", "a size such as 64m");
        }
        if (dir.isBlank()) {
            e.attributeError("dir", "empty dir", "a directory such as var/cache/" + name);
        }
        Path resolved = context.resolve(dir.isBlank() ? "var/cache/" + name : dir).toAbsolutePath().normalize();
        for (String other : context.names(TYPE)) {
            ZoneSettings earlier = other.equals(name) ? null : context.lookup(TYPE, other, ZoneSettings.class).orElse(null);
            if (earlier != null && earlier.dir().equals(resolved)) {
                e.attributeError("dir", "cache-zone '" + name + "' uses the directory of cache-zone '" + other + "' ("
                    + resolved + ")", "a directory of its own, e.g. dir=\"var/cache/" + name + "\"");
            }
        }
        return new ZoneSettings(name, resolved, heap, offHeap, disk, maxObject, shared(e, context, maxObject));
    }

    /** The {@code shared-*} attributes: null without {@code shared}; the scheme must have an installed provider. */
    private static SharedSettings shared(ConfigElement e, BindContext context, long maxObject) {
        String uri = e.string("shared", "").trim();
        java.time.Duration timeout = e.duration("shared-timeout", java.time.Duration.ofMillis(100));
        long sharedMax = e.size("shared-max-object", Math.min(maxObject, 8 * MB));
        long chunk = e.size("shared-chunk", 512 << 10);
        java.time.Duration lease = e.duration("shared-lease", java.time.Duration.ofSeconds(3));
        int failures = e.integer("shared-failures", 5, 1, 1000);
        java.time.Duration retry = e.duration("shared-retry", java.time.Duration.ofSeconds(1));
        String passwordFile = e.string("shared-password-file", "").trim();
        String passwordProperty = e.string("shared-password-property", "").trim();
        if (uri.isEmpty()) {
            return null;
        }
        if (timeout.isZero()) {
            e.attributeError("shared-timeout", "shared-timeout=\"0\" would fail every call", "a duration such as 100ms");
        }
        if (retry.isZero()) {
            e.attributeError("shared-retry", "shared-retry=\"0\" would probe a down tier without pause", "a duration such as 1s");
        }
        if (chunk < 1024 || chunk > 64 * MB) {
            e.attributeError("shared-chunk", "shared-chunk out of range", "a size between 1k and 64m, e.g. 512k");
        }
        SharedSettings settings = new SharedSettings(uri, timeout.isZero() ? java.time.Duration.ofMillis(100) : timeout,
            Math.max(0, sharedMax), (int) Math.max(1024, Math.min(chunk, 64 * MB)), lease, failures,
            retry.isZero() ? java.time.Duration.ofSeconds(1) : retry,
            passwordFile.isEmpty() ? null : context.resolve(passwordFile).toAbsolutePath(),
            passwordProperty.isEmpty() ? null : passwordProperty);
        java.util.List<SharedTierProvider> providers = context.services(SharedTierProvider.class);
        java.util.Optional<SharedTierProvider> provider = SharedTiers.provider(providers, settings.scheme());
        if (provider.isEmpty()) {
            e.attributeError("shared", "no installed module provides the shared tier '" + settings.scheme()
                + "://' (installed: " + SharedTiers.known(providers) + ")",
                "a URI such as shared=\"redis://127.0.0.1:6379/0\", with the cache-redis module in lib/");
            return null;
        }
        String problem = provider.get().check(settings);
        if (problem != null) {
            e.attributeError("shared", problem, "a URI such as shared=\"redis://127.0.0.1:6379/0\", "
                + "the password in shared-password-file or shared-password-property");
            return null;
        }
        return settings;
    }

    @Override
    public CacheZone open(String name, ZoneSettings settings, ResourceContext context) throws Exception {
        return CacheZone.open(settings, context);
    }
}
