package org.nproxy.server.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-owned pool of state that outlives a configuration generation: an upstream group's
 * peers, pools and health checkers, a cache zone's store, a module registry. Entries are keyed
 * by value (element type, name and settings) and reference-counted: a new generation acquires
 * before the old one releases after its drain, so a reload that keeps an element keeps its
 * state; the last release closes the entry.
 *
 * <p>Acquisitions happen while a generation is built, one generation at a time; creation runs
 * under the pool's lock so that one key never gets two objects. Closing happens outside it.
 */
public final class SharedResources {
    private static final Logger LOG = LoggerFactory.getLogger(SharedResources.class);

    private static final class Entry {
        final Object value;
        int refs;

        Entry(Object value) {
            this.value = value;
        }
    }

    private final Map<Object, Entry> entries = new HashMap<>();
    /** What goes with an entry when it closes (its meters), closed right after it. */
    private final Map<Object, AutoCloseable> companions = new HashMap<>();
    private final ServerMeters meters = new ServerMeters();

    /** The server's meters; they live as long as this pool. */
    public ServerMeters meters() {
        return meters;
    }

    /**
     * Closes {@code companion} right after the entry of {@code key} closes. Called while the entry
     * is being created (inside {@link #acquire}'s {@code create}), once it has succeeded.
     */
    public synchronized void closeWith(Object key, AutoCloseable companion) {
        companions.put(key, companion);
    }

    /** The object for a key, created by {@code create} when no holder has it; counts one holder in. */
    public synchronized Object acquire(Object key, Callable<?> create) throws Exception {
        Entry entry = entries.get(key);
        if (entry == null) {
            Object value = create.call();
            if (value == null) {
                throw new IllegalStateException("shared resource " + key + " was created as null");
            }
            entry = new Entry(value);
            entries.put(key, entry);
        }
        entry.refs++;
        return entry.value;
    }

    /**
     * The object for a key that lives until {@link #closeAll}: created on first use, never
     * released by a generation.
     */
    public synchronized Object serverScoped(Object key, Callable<?> create) throws Exception {
        Entry entry = entries.get(key);
        if (entry == null) {
            entry = new Entry(create.call());
            entry.refs = 1; // the server's own hold, dropped only by closeAll
            entries.put(key, entry);
        }
        return entry.value;
    }

    /** Counts one holder out; the last one out closes the object (when it is {@link AutoCloseable}). */
    public void release(Object key) {
        Entry closing = null;
        AutoCloseable companion = null;
        synchronized (this) {
            Entry entry = entries.get(key);
            if (entry == null) {
                throw new IllegalStateException("released shared resource " + key + " that nobody holds");
            }
            if (--entry.refs == 0) {
                entries.remove(key);
                closing = entry;
                companion = companions.remove(key);
            }
        }
        if (closing != null) {
            close(key, closing.value);
            close(key, companion);
        }
    }

    /** Live entries by key, for tests and status pages. */
    public synchronized Map<Object, Object> snapshot() {
        Map<Object, Object> out = new HashMap<>();
        entries.forEach((k, e) -> out.put(k, e.value));
        return out;
    }

    /** Closes everything left (server stop), whatever its count. */
    public void closeAll() {
        List<Map.Entry<Object, Entry>> all;
        Map<Object, AutoCloseable> alsoClose;
        synchronized (this) {
            all = new ArrayList<>(entries.entrySet());
            entries.clear();
            alsoClose = new HashMap<>(companions);
            companions.clear();
        }
        for (Map.Entry<Object, Entry> e : all) {
            close(e.getKey(), e.getValue().value);
            close(e.getKey(), alsoClose.get(e.getKey()));
        }
        meters.close();
    }

    private static void close(Object key, Object value) {
        if (value instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("closing shared {}: {}", key, e.toString());
            }
        }
    }
}
