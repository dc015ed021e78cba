package org.nproxy.cache.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Which process owns a zone directory: an OS file lock on {@code dir/zone.lock}, held while a
 * store of this JVM has the directory open. Only the owner empties {@code tmp/}, deletes stale
 * disk tiers, sweeps body files and opens the disk tier; another process on the same directory
 * (the new process of {@code nproxy.sh upgrade} while the old one drains) serves from memory
 * until the owner exits. File locks belong to the process, so stores of one JVM share the lock
 * (counted); the OS releases it when the process dies.
 */
final class ZoneLock {
    private record Held(FileChannel channel, FileLock lock, int count) {
    }

    private static final Map<Path, Held> HELD = new HashMap<>();

    private ZoneLock() {
    }

    /** True when this JVM owns the directory now (taken here, or already held: counted once more). */
    static synchronized boolean tryAcquire(Path dir) throws IOException {
        Path key = dir.toAbsolutePath().normalize();
        Held held = HELD.get(key);
        if (held != null) {
            HELD.put(key, new Held(held.channel, held.lock, held.count + 1));
            return true;
        }
        FileChannel channel = FileChannel.open(key.resolve("zone.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException | IOException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            return false;
        }
        HELD.put(key, new Held(channel, lock, 1));
        return true;
    }

    /** One owner fewer; the last one lets the lock go. */
    static synchronized void release(Path dir) {
        Path key = dir.toAbsolutePath().normalize();
        Held held = HELD.get(key);
        if (held == null) {
            return;
        }
        if (held.count > 1) {
            HELD.put(key, new Held(held.channel, held.lock, held.count - 1));
            return;
        }
        HELD.remove(key);
        try {
            held.channel.close(); // releases the lock
        } catch (IOException ignored) {
            // the process's exit releases it anyway
        }
    }
}
