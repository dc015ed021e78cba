package org.nproxy.files.internal;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A response body as a list of parts: literal bytes (multipart boundaries) and regions of the
 * open file. Its {@link #length()} is the Content-Length promised before anything is sent.
 */
public record Body(List<Part> parts) {
    /** One piece of the body. */
    public sealed interface Part {
        long length();
    }

    /** Literal bytes. */
    public record Bytes(byte[] bytes) implements Part {
        public long length() {
            return bytes.length;
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes);
        }
    }

    /** {@code length} bytes of the file from {@code position}. */
    public record Region(long position, long length) implements Part {
    }

    public Body {
        parts = List.copyOf(parts);
    }

    public long length() {
        long total = 0;
        for (Part p : parts) {
            total += p.length();
        }
        return total;
    }
}
