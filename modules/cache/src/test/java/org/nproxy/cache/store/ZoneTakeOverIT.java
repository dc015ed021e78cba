package org.nproxy.cache.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes on one zone directory, as during {@code nproxy.sh upgrade}: the file locks are
 * per process (Ehcache's on the disk tier, ours on the directory), so the other process is a
 * real child JVM ({@link Owner}). The second store starts on its memory tiers without touching
 * the owner's files, and takes the directory (disk tier included) over once the owner exits.
 */
class ZoneTakeOverIT {
    static final long MB = 1 << 20;

    @TempDir
    Path dir;

    StoreLayout layout() {
        return new StoreLayout(dir, 4 * MB, 8 * MB, 32 * MB, MB);
    }

    @Test
    void aSecondProcessServesFromMemoryThenTakesOverTheDiskTierWhenTheOwnerExits() throws Exception {
        byte[] small = CacheStoreTest.bytes(1000);
        byte[] large = CacheStoreTest.bytes(300_000);
        Process owner = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"), Owner.class.getName(),
            dir.toString())).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        try {
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                lines.add(line);
            }
            assertEquals("ready", line, "the owner started: " + lines);
            List<Path> ownerFiles = bodyFiles();
            assertEquals(1, ownerFiles.size(), "the owner's large body is a file");

            try (EhcacheStore second = EhcacheStore.open(layout())) {
                assertFalse(second.ownsDirectory(), "the directory is the other process's");
                assertEquals(Optional.empty(), second.get("http://h/old-small", ""), "the owner's disk tier is not open here");
                assertTrue(CacheStoreTest.put(second, "http://h/new-small", small));
                assertTrue(CacheStoreTest.put(second, "http://h/new-large", large));
                assertArrayEquals(large, CacheStoreTest.read(second.get("http://h/new-large", "").orElseThrow()));
                assertTrue(Files.isRegularFile(ownerFiles.get(0)), "the owner's body file was left alone (no sweep)");

                OutputStream in = owner.getOutputStream();
                in.write("close\n".getBytes(StandardCharsets.US_ASCII));
                in.flush();
                assertTrue(owner.waitFor(30, TimeUnit.SECONDS), "the owner exited");
                assertEquals(0, owner.exitValue());

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (!second.ownsDirectory() && System.nanoTime() - deadline < 0) {
                    Thread.sleep(50);
                }
                assertTrue(second.ownsDirectory(), "took the directory over after the owner exited");
                // Both stores' entries, whole: the owner's from the disk tier, ours moved in from memory.
                assertArrayEquals(small, CacheStoreTest.read(second.get("http://h/old-small", "").orElseThrow()));
                assertArrayEquals(large, CacheStoreTest.read(second.get("http://h/old-large", "").orElseThrow()));
                assertArrayEquals(small, CacheStoreTest.read(second.get("http://h/new-small", "").orElseThrow()));
                assertArrayEquals(large, CacheStoreTest.read(second.get("http://h/new-large", "").orElseThrow()));
                assertTrue(CacheStoreTest.put(second, "http://h/later", small), "puts go on after the take-over");
            }
            // It now owns the disk tier: all of it survives its own restart.
            try (EhcacheStore again = EhcacheStore.open(layout())) {
                assertTrue(again.ownsDirectory());
                for (String key : List.of("old-small", "old-large", "new-small", "new-large", "later")) {
                    assertTrue(again.get("http://h/" + key, "").isPresent(), key + " persisted");
                }
                assertArrayEquals(large, CacheStoreTest.read(again.get("http://h/new-large", "").orElseThrow()));
            }
        } finally {
            owner.destroyForcibly();
        }
    }

    private List<Path> bodyFiles() throws Exception {
        try (Stream<Path> files = Files.walk(dir.resolve("bodies"))) {
            return files.filter(f -> f.toString().endsWith(".body")).toList();
        }
    }

    /** The owning process: opens the zone, stores two entries, closes when told on stdin, exits. */
    public static final class Owner {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            StoreLayout layout = new StoreLayout(dir, 4 * MB, 8 * MB, 32 * MB, MB);
            EhcacheStore store = EhcacheStore.open(layout);
            if (!store.ownsDirectory()) {
                throw new IllegalStateException("the owner does not own " + dir);
            }
            CacheStoreTest.put(store, "http://h/old-small", CacheStoreTest.bytes(1000));
            CacheStoreTest.put(store, "http://h/old-large", CacheStoreTest.bytes(300_000));
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
            store.close();
            System.exit(0);
        }
    }
}
