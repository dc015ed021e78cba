package org.nproxy.cache.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans a zone directory at open: half-written bodies of the previous run, and body files no
 * entry names (after a crash Ehcache starts with an empty disk tier, the files remain).
 */
final class StoreSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(StoreSweeper.class);

    private StoreSweeper() {
    }

    /** Deletes every temporary body left by a previous run. */
    static void clearTemp(Path temp) throws IOException {
        if (!Files.isDirectory(temp)) {
            return;
        }
        try (Stream<Path> files = Files.list(temp)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Deletes the disk tiers of other tier sizes (left by a resize); their bodies become orphans. */
    static void deleteOtherIndexes(StoreLayout layout) throws IOException {
        try (Stream<Path> dirs = Files.list(layout.dir())) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("index")).toList()) {
                if (!d.equals(layout.index())) {
                    try (Stream<Path> tree = Files.walk(d)) {
                        for (Path p : tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                    LOG.info("cache zone {}: deleted {} (a disk tier of other sizes)", layout.dir(), d.getFileName());
                }
            }
        }
    }

    /**
     * On a virtual thread: deletes body files older than now that no entry refers to. Files
     * written after the sweep started are left alone (they may be on their way into the cache).
     */
    static void sweepLater(StoreLayout layout, Supplier<Set<String>> referenced) {
        FileTime started = FileTime.fromMillis(System.currentTimeMillis() - 1000);
        Thread.ofVirtual().name("cache-sweep").start(() -> {
            try {
                Set<String> names = referenced.get();
                int deleted = 0;
                try (Stream<Path> files = Files.walk(layout.bodies(), 2)) {
                    for (Path p : files.filter(f -> f.toString().endsWith(".body")).toList()) {
                        String name = layout.dir().relativize(p).toString().replace('\\', '/');
                        if (!names.contains(name) && Files.getLastModifiedTime(p).compareTo(started) < 0) {
                            Files.deleteIfExists(p);
                            deleted++;
                        }
                    }
                }
                if (deleted > 0) {
                    LOG.info("cache zone {}: deleted {} body files no entry refers to", layout.dir(), deleted);
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("sweeping {} failed", layout.dir(), e);
            }
        });
    }
}
