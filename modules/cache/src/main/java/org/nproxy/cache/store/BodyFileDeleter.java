package org.nproxy.cache.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.ehcache.event.CacheEvent;
import org.ehcache.event.CacheEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the body file of an entry that left the cache (evicted, expired, removed) or was
 * replaced by an entry naming another file. A freshened entry (same file) keeps its file.
 */
record BodyFileDeleter(StoreLayout layout) implements CacheEventListener<String, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(BodyFileDeleter.class);

    @Override
    public void onEvent(CacheEvent<? extends String, ? extends byte[]> event) {
        byte[] old = event.getOldValue();
        EntryCodec.Entry gone = old == null ? null : EntryCodec.entry(old); // null for a variant index
        if (gone == null || gone.file() == null) {
            return;
        }
        byte[] now = event.getNewValue();
        EntryCodec.Entry kept = now == null ? null : EntryCodec.entry(now);
        if (kept == null || !gone.file().equals(kept.file())) {
            delete(layout.dir().resolve(gone.file()));
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("could not delete {}", file, e);
        }
    }
}
