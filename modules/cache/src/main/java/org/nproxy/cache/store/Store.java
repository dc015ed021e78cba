package org.nproxy.cache.store;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a zone keeps responses: metadata by key, bodies inline or as files. The policy and the
 * handler see only this interface; {@link EhcacheStore} is the implementation.
 *
 * <p>A response is stored under a <em>primary key</em> (scheme, host and target by default) and
 * a <em>variant key</em> ({@link org.nproxy.cache.policy.Vary#key}); the store remembers the
 * Vary names of each primary key so that a look-up can compute the variant key first.
 */
public interface Store extends AutoCloseable {
    /** The Vary names recorded for a primary key, empty when nothing is stored under it. */
    Optional<List<String>> varyNames(String primaryKey);

    /** The stored response of one variant. */
    Optional<StoredResponse> get(String primaryKey, String variantKey);

    /**
     * The stored response of a request when the store has it decoded in memory, else null (also
     * when it is stored but only in a tier that would have to be read). Touches no off-heap, disk
     * or shared tier and never blocks, so that a hit may be answered on the thread that parsed the
     * request. A null says nothing: {@link #varyNames} and {@link #get} give the full answer.
     *
     * @param variantOf the request's variant key for a list of Vary names ({@link org.nproxy.cache.policy.Vary#key})
     */
    default Peeked peek(String primaryKey, Function<List<String>, String> variantOf) {
        return null;
    }

    /** What {@link #peek} found: the key's Vary names, the request's variant key and the response. */
    record Peeked(List<String> varyNames, String variantKey, StoredResponse stored) {
    }

    /** A new body buffer for a response being captured, holding at most {@link #maxObject()} bytes. */
    BodyBuffer newBody() throws IOException;

    /**
     * Stores a complete response (its body buffer is consumed: moved into place or discarded).
     *
     * @return whether it was stored (false when too large for the store's tiers)
     */
    boolean put(String primaryKey, List<String> varyNames, String variantKey, StoredResponse.Meta meta, BodyBuffer body)
        throws IOException;

    /** Replaces the metadata of a stored variant, keeping its body (after a 304). */
    void update(String primaryKey, String variantKey, StoredResponse.Meta meta);

    /** Removes every variant of a primary key; returns how many were removed. */
    int purge(String primaryKey);

    /** Removes every variant of every primary key starting with {@code prefix}. */
    int purgePrefix(String prefix);

    /** Removes every variant whose response carried one of these tags (Cache-Tag, Surrogate-Key). */
    int purgeTags(List<String> tags);

    /** The largest body the store takes, in bytes. */
    long maxObject();

    @Override
    void close();
}
