package org.nproxy.cache.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

import org.nproxy.cache.policy.Exchange;
import org.nproxy.cache.policy.Headers;

/** A response read from the store: its metadata and where its body is. */
public record StoredResponse(Meta meta, byte[] inlineBody, Path bodyFile) {
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

    /** Whether the body is a file of the zone (else {@link #inlineBody()}). */
    public boolean inFile() {
        return bodyFile != null;
    }

    /** Opens the body file for reading; the caller closes it. */
    public FileChannel openFile() throws IOException {
        return FileChannel.open(bodyFile, StandardOpenOption.READ);
    }

    /** The inline body as a read-only buffer. */
    public ByteBuffer inlineBuffer() {
        return ByteBuffer.wrap(inlineBody).asReadOnlyBuffer();
    }
}
