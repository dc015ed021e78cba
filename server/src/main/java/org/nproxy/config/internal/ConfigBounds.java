package org.nproxy.config.internal;

import org.nproxy.spi.Units;

/**
 * How big one configuration load may get, summed over the main file and its includes: a 50 MB
 * file of 700,000 locations would otherwise be read into a tree that runs the JVM out of memory
 * and takes the serving generation with it. Set as system properties ({@code -D} in
 * {@code NPROXY_OPTS}); the defaults are far above any hand-written or generated site config.
 *
 * @param maxBytes    {@code nproxy.config.max-bytes}: bytes of XML (each file, and all together);
 *                    default 16m. Checked from the file size, before a byte is read.
 * @param maxElements {@code nproxy.config.max-elements}: elements; default 100000. Counted while
 *                    the XML streams through the parser, so the tree never grows past it.
 * @param maxDepth    {@code nproxy.config.max-depth}: nesting of elements; default 32
 */
public record ConfigBounds(long maxBytes, int maxElements, int maxDepth) {
    public static final ConfigBounds DEFAULTS = new ConfigBounds(16L << 20, 100_000, 32);

    /** The defaults, overridden by the system properties that are set. */
    public static ConfigBounds fromSystemProperties() {
        return new ConfigBounds(
            property("nproxy.config.max-bytes", DEFAULTS.maxBytes(), true),
            (int) property("nproxy.config.max-elements", DEFAULTS.maxElements(), false),
            (int) property("nproxy.config.max-depth", DEFAULTS.maxDepth(), false));
    }

    private static long property(String name, long defaultValue, boolean size) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            return defaultValue;
        }
        try {
            long n = size ? Units.size(v) : Long.parseLong(v.trim());
            if (n < 1 || n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("out of range");
            }
            return n;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + name + "=" + v + ": expected " + (size ? "a size such as 16m" : "a positive integer"), e);
        }
    }
}
