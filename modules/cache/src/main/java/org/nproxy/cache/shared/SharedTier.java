package org.nproxy.cache.shared;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.nproxy.cache.store.StoredResponse;

/**
 * A cache tier shared by several Nproxy instances under one {@code <cache-zone>} (e.g. Redis), below
 * the zone's local tiers: a local miss looks here before the origin, what one instance stores the
 * others find, and invalidations reach every instance. Implementations come from other modules,
 * found by the scheme of {@code shared="..."} through {@link SharedTierProvider}.
 *
 * <p>The contract that keeps faults cheap: no method throws, and every method returns within the
 * tier's own timeout (a failure, a timeout, or a value that is not a well-formed entry of this
 * format reads as absent, and is counted). {@link #put} and {@link #invalidate} may block for a
 * while; {@link TieredStore} calls them off the request path.
 */
public interface SharedTier extends AutoCloseable {
    /** A response read from the shared tier: its metadata (with the RFC 9111 §4.2.3 times) and body. */
    record Entry(StoredResponse.Meta meta, byte[] body) {
    }

    /** What an invalidation removes: primary keys, a key prefix, or tags. */
    enum Kind { KEY, PREFIX, TAGS }

    /** An invalidation, sent by one instance and applied by all. */
    record Invalidation(Kind kind, List<String> values) {
        public Invalidation {
            values = List.copyOf(values);
        }
    }

    /** The answer to {@link #tryLease}. */
    enum Lease {
        /** This instance now holds the lease: it fetches, the others wait. */
        ACQUIRED,
        /** Another instance holds it: wait for its entry (bounded), then go to the origin. */
        BUSY,
        /** Leases are off or the tier is down: go to the origin. */
        UNAVAILABLE
    }

    /** The Vary names stored under a primary key, empty when absent, unreadable or unavailable. */
    Optional<List<String>> varyNames(String primaryKey);

    /** One stored variant, empty when absent, corrupt, foreign or unavailable. */
    Optional<Entry> get(String primaryKey, String variantKey);

    /**
     * Stores a response (headers and body) for at most {@code ttl}; the body is at most
     * {@link #maxObject()} bytes. Blocking; never on a request's path.
     */
    void put(String primaryKey, List<String> varyNames, String variantKey, StoredResponse.Meta meta, byte[] body,
             List<String> tags, Duration ttl);

    /** Removes the shared copies an invalidation names, then tells the other instances. Blocking. */
    void invalidate(Invalidation invalidation);

    /** Registers the listener for invalidations sent by other instances (called on a tier thread). */
    void subscribe(Consumer<Invalidation> listener);

    /** Tries to take the fetch lease of a primary key for {@code ttl}. */
    Lease tryLease(String primaryKey, Duration ttl);

    /** Whether some instance holds the lease of a primary key (false when unknown). */
    boolean leased(String primaryKey);

    /** Gives up this instance's lease of a primary key, if it holds it. */
    void release(String primaryKey);

    /** Whether calls are going through (false while the circuit breaker is open or not connected). */
    boolean available();

    /** The largest body this tier takes, in bytes. */
    long maxObject();

    @Override
    void close();
}
