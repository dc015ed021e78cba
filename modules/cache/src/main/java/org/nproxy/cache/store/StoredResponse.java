package org.nproxy.cache.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.function.Function;

import org.nproxy.cache.policy.Exchange;
import org.nproxy.cache.policy.Headers;

/**
 * A response read from the store: its metadata and where its body is (inline, as a read-only
 * view of the stored value: a heap hit copies nothing, or a file of the zone).
 *
 * <p>While an entry stays in the heap tier, {@link Store#get} returns the same instance for it,
 * so that what the serving side derives from it once ({@link #prepared}: parsed freshness, header
 * fields ready to send) is reused by every hit.
 */
public final class StoredResponse {
    /**
     * What is stored about a response besides its body.
     *
     * @param exchange status, header fields and the request/response times (RFC 9111 §4.2.3)
     * @param length   body length in bytes
     */
    public record Meta(Exchange exchange, long length) {
        public Meta {
            Objects.requireNonNull(exchange, "exchange");
        }

        public int status() {
            return exchange.status();
        }

        public Headers headers() {
            return exchange.headers();
        }
    }

    private final Meta meta;
    private final ByteBuffer inline;
    private final Path bodyFile;
    private volatile Object prepared;

    /**
     * @param inline   the body when it is inline (read-only view, position 0), else null
     * @param bodyFile the body file when it is not inline, else null
     */
    public StoredResponse(Meta meta, ByteBuffer inline, Path bodyFile) {
        this.meta = Objects.requireNonNull(meta, "meta");
        this.inline = inline == null ? null : inline.slice().asReadOnlyBuffer();
        this.bodyFile = bodyFile;
    }

    /** An inline response over a byte array (not copied). */
    public static StoredResponse inline(Meta meta, byte[] body) {
        return new StoredResponse(meta, ByteBuffer.wrap(body), null);
    }

    public Meta meta() {
        return meta;
    }

    /** The body file, or null when the body is inline. */
    public Path bodyFile() {
        return bodyFile;
    }

    /** Whether the body is a file of the zone (else {@link #inlineBuffer()}). */
    public boolean inFile() {
        return bodyFile != null;
    }

    /** Opens the body file for reading; the caller closes it. */
    public FileChannel openFile() throws IOException {
        return FileChannel.open(bodyFile, StandardOpenOption.READ);
    }

    /** The inline body as a read-only buffer of its own (position 0), sharing the stored bytes. */
    public ByteBuffer inlineBuffer() {
        return inline.duplicate();
    }

    /** A copy of the inline body. */
    public byte[] inlineBody() {
        ByteBuffer b = inlineBuffer();
        byte[] copy = new byte[b.remaining()];
        b.get(copy);
        return copy;
    }

    /** The same body with other metadata (after a 304 freshened the fields). */
    public StoredResponse withMeta(Meta other) {
        return new StoredResponse(other, inline, bodyFile);
    }

    /**
     * What a user derived from this response, made once per instance (a race makes it twice,
     * harmlessly). One user per response: the serving side of the cache.
     */
    @SuppressWarnings("unchecked")
    public <T> T prepared(Function<StoredResponse, T> make) {
        Object p = prepared;
        if (p == null) {
            p = make.apply(this);
            prepared = p;
        }
        return (T) p;
    }
}
