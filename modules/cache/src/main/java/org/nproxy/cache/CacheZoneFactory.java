package org.nproxy.cache;

import java.nio.file.Path;

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
        return new ZoneSettings(name, resolved, heap, offHeap, disk, maxObject);
    }

    @Override
    public CacheZone open(String name, ZoneSettings settings, ResourceContext context) throws Exception {
        return CacheZone.open(settings);
    }
}
