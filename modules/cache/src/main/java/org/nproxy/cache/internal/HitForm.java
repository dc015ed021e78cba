package org.nproxy.cache.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.nproxy.cache.policy.Headers;
import org.nproxy.cache.policy.Prepared;
import org.nproxy.cache.store.StoredResponse;

/**
 * A stored response made ready to answer hits, once per stored instance (see
 * {@link StoredResponse#prepared}): the policy's view ({@link Prepared}: directives, initial age,
 * lifetime), the header fields to send already encoded for the wire, the subset a 304 keeps, the
 * validators, and the last {@code Age} / {@code Cache-Status} pair (they change once a second).
 */
public final class HitForm {
    private static final Set<String> NOT_SENT = Set.of("age", "content-length", "cache-status");
    /** RFC 9110 §15.4.5: what a 304 carries of the stored fields. */
    private static final Set<String> NOT_MODIFIED_FIELDS = Set.of("cache-control", "content-location", "date", "etag",
        "expires", "vary", "last-modified");

    final Prepared policy;
    /** The policy's view for a {@code <cache>} of this zone with another targeted list (the last one asked). */
    private volatile Prepared alternate;
    private final Headers headers;
    private final long length;
    /** The stored fields as sent: plain for a first hit, encoded for the wire from the second on. */
    private volatile Wire wire;
    /** The Cache-Status of the caches behind us when it was stored, or null. */
    final String behind;
    final String etag;
    final OptionalLong lastModified;
    final String contentType;
    private volatile Stamp stamp;
    private volatile ByteBuffer mapping;
    private volatile boolean seen;

    /**
     * The stored fields minus Age, Content-Length and Cache-Status, the subset a 304 keeps, and
     * Content-Length.
     */
    record Wire(HttpField[] fields, HttpField[] notModifiedFields, HttpField contentLength, boolean encoded) {
    }

    /** Body files up to this size are mapped once and written from the mapping. */
    static final long MAP_MAX = 8 << 20;
    /**
     * At most this many body mappings live at once (Linux allows 65530 mappings per process by
     * default, and the JVM needs its own); past it, hits read their file.
     */
    static final int MAPPINGS_MAX = 16_384;
    private static final java.util.concurrent.atomic.AtomicInteger MAPPINGS = new java.util.concurrent.atomic.AtomicInteger();
    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /** Age and Cache-Status fields for one age and status label. */
    private record Stamp(long age, String status, boolean encoded, HttpField ageField, HttpField statusField) {
    }

    private HitForm(StoredResponse stored) {
        Headers h = stored.meta().headers();
        this.headers = h;
        this.length = stored.meta().length();
        this.policy = Prepared.of(stored.meta().exchange());
        this.wire = wire(h, length, false);
        this.behind = h.get("Cache-Status");
        this.etag = h.get("ETag");
        this.lastModified = h.date("Last-Modified");
        this.contentType = h.get("Content-Type");
    }

    /**
     * The fields, encoded for HTTP/1.1, h2 and h3 at once (which costs more than sending them
     * plain once) only when this form serves a second time: a form made for every hit, as for
     * values read from the off-heap or disk tier, never pays for it.
     */
    private static Wire wire(Headers h, long length, boolean encode) {
        List<HttpField> all = new ArrayList<>(h.fields().size());
        List<HttpField> nm = new ArrayList<>();
        for (Headers.Field f : h.fields()) {
            String lower = f.name().toLowerCase(Locale.ROOT);
            if (NOT_SENT.contains(lower)) {
                continue;
            }
            HttpHeader known = HttpHeader.CACHE.get(f.name());
            HttpField field;
            if (encode && known != HttpHeader.DATE && known != HttpHeader.SERVER) {
                // not Date and Server: they replace the server's persistent fields, and Jetty
                // pre-encodes a persistent copy of a pre-encoded replacement (Huffman, for h2 and
                // h3) on every response; a plain field is copied as it is
                field = known != null ? new PreEncodedHttpField(known, f.name(), f.value())
                    : new PreEncodedHttpField(f.name(), f.value());
            } else {
                field = known != null ? new HttpField(known, f.name(), f.value()) : new HttpField(f.name(), f.value());
            }
            all.add(field);
            if (NOT_MODIFIED_FIELDS.contains(lower)) {
                nm.add(field);
            }
        }
        String len = Long.toString(length);
        return new Wire(all.toArray(HttpField[]::new), nm.toArray(HttpField[]::new),
            encode ? new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, len) : new HttpField(HttpHeader.CONTENT_LENGTH, len),
            encode);
    }

    /**
     * Marks one more use and returns the fields for it: plain the first time, encoded once and
     * for good from the second use on ({@link #again()}), when a body file may also be mapped.
     */
    Wire use() {
        if (!seen) {
            seen = true;
            return wire;
        }
        Wire w = wire;
        if (!w.encoded()) {
            w = wire(headers, length, true);
            wire = w;
        }
        return w;
    }

    /** Whether this form served before (see {@link #use()}). */
    boolean again() {
        return wire.encoded();
    }

    /** The form of a stored response, made on its first hit. */
    public static HitForm of(StoredResponse stored) {
        return stored.prepared(HitForm::new);
    }

    /** The policy's view under {@code targeted} (RFC 9213), derived again only for a list other than the first one's. */
    public Prepared policy(List<String> targeted) {
        Prepared p = policy;
        if (p.targeted() == targeted || p.targeted().equals(targeted)) {
            return p;
        }
        Prepared other = alternate;
        if (other == null || !other.targeted().equals(targeted)) {
            other = Prepared.of(p.exchange(), targeted);
            alternate = other;
        }
        return other;
    }

    /**
     * The body file mapped read-only (a direct buffer), or null before the first hit. Body files
     * never change once stored (a new answer gets a new file), so one mapping serves every hit;
     * it outlives an eviction that deletes the file only as long as this form is remembered.
     */
    ByteBuffer mapping() {
        return mapping;
    }

    /**
     * Maps the body file once this form serves its second hit (a form made for every hit, as for
     * values read from the off-heap or disk tier, would map a file per hit: those read it);
     * null before that, when it is larger than {@link #MAP_MAX} or cannot be mapped.
     */
    ByteBuffer map(FileChannel file, long length) {
        if (!again() || length > MAP_MAX || length == 0) {
            return null;
        }
        if (MAPPINGS.incrementAndGet() > MAPPINGS_MAX) {
            MAPPINGS.decrementAndGet(); // read instead: the process's mappings are limited (vm.max_map_count)
            return null;
        }
        try {
            ByteBuffer m = file.map(FileChannel.MapMode.READ_ONLY, 0, length);
            CLEANER.register(m, MAPPINGS::decrementAndGet); // unmapped when collected
            mapping = m;
            return m;
        } catch (IOException | RuntimeException e) {
            MAPPINGS.decrementAndGet();
            return null;
        }
    }

    /** {@code Age} and {@code Cache-Status} (ours first, then those behind us, RFC 9211 §2). */
    HttpField[] stamp(long age, String cacheStatus) {
        Stamp s = stamp;
        boolean encode = again();
        if (s == null || s.age() != age || !s.status().equals(cacheStatus) || s.encoded() != encode) {
            // made once a second per form: encoded for the wire (which a plain field pays on every
            // response, character by character) when the form serves more than once
            String status = behind == null ? cacheStatus : cacheStatus + ", " + behind;
            String ageValue = Long.toString(age);
            s = encode
                ? new Stamp(age, cacheStatus, true, new PreEncodedHttpField(HttpHeader.AGE, ageValue),
                    new PreEncodedHttpField("Cache-Status", status))
                : new Stamp(age, cacheStatus, false, new HttpField(HttpHeader.AGE, ageValue),
                    new HttpField("Cache-Status", status));
            stamp = s;
        }
        return new HttpField[] {s.ageField(), s.statusField()};
    }
}
