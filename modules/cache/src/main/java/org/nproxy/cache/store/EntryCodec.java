package org.nproxy.cache.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.nproxy.cache.policy.Exchange;
import org.nproxy.cache.policy.Headers;

/**
 * The byte layout of what the store keeps in Ehcache: a response entry (metadata plus either the
 * body inline or the name of its file) and a primary key's variant index (its Vary names and
 * the variant keys stored). Versioned so that a changed layout reads as absent, not as garbage.
 */
final class EntryCodec {
    private static final int ENTRY = 0x4e500001;
    private static final int INDEX = 0x4e500101;

    /** A decoded entry: metadata, and the inline body or the body file's name (relative to the zone). */
    record Entry(StoredResponse.Meta meta, java.nio.ByteBuffer inline, String file) {
    }

    /** A decoded variant index. */
    record Index(List<String> varyNames, Set<String> variants) {
    }

    private EntryCodec() {
    }

    static byte[] entry(StoredResponse.Meta meta, byte[] inline, String file) {
        return entry(meta, inline == null ? null : java.nio.ByteBuffer.wrap(inline), file);
    }

    static byte[] entry(StoredResponse.Meta meta, java.nio.ByteBuffer inline, String file) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + (inline == null ? 0 : inline.remaining()));
            DataOutputStream out = new DataOutputStream(bytes);
            Exchange e = meta.exchange();
            out.writeInt(ENTRY);
            out.writeShort(e.status());
            out.writeLong(e.requestTime());
            out.writeLong(e.responseTime());
            out.writeLong(meta.length());
            out.writeInt(e.headers().fields().size());
            for (Headers.Field f : e.headers().fields()) {
                out.writeUTF(f.name());
                out.writeUTF(f.value());
            }
            out.writeBoolean(file != null);
            if (file != null) {
                out.writeUTF(file);
            } else {
                java.nio.ByteBuffer body = inline.duplicate();
                out.writeInt(body.remaining());
                if (body.hasArray()) {
                    out.write(body.array(), body.arrayOffset() + body.position(), body.remaining());
                } else {
                    byte[] copy = new byte[body.remaining()];
                    body.get(copy);
                    out.write(copy);
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes an entry; null when the bytes are not one (another layout version). An inline body
     * is a read-only view of {@code value}, not a copy: the body is the value's last bytes.
     */
    static Entry entry(byte[] value) {
        ByteArrayInputStream source = new ByteArrayInputStream(value);
        try (DataInputStream in = new DataInputStream(source)) {
            if (in.readInt() != ENTRY) {
                return null;
            }
            int status = in.readUnsignedShort();
            long requestTime = in.readLong();
            long responseTime = in.readLong();
            long length = in.readLong();
            int n = in.readInt();
            List<Headers.Field> fields = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                fields.add(new Headers.Field(in.readUTF(), in.readUTF()));
            }
            StoredResponse.Meta meta = new StoredResponse.Meta(
                new Exchange(status, new Headers(fields), requestTime, responseTime), length);
            if (in.readBoolean()) {
                return new Entry(meta, null, in.readUTF());
            }
            int bodyLength = in.readInt();
            if (bodyLength != source.available()) {
                return null;
            }
            return new Entry(meta, java.nio.ByteBuffer.wrap(value, value.length - bodyLength, bodyLength)
                .slice().asReadOnlyBuffer(), null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static byte[] index(Index index) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(INDEX);
            out.writeInt(index.varyNames().size());
            for (String n : index.varyNames()) {
                out.writeUTF(n);
            }
            out.writeInt(index.variants().size());
            for (String v : index.variants()) {
                out.writeUTF(v);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes a variant index; null when the bytes are not one. */
    static Index index(byte[] value) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            if (in.readInt() != INDEX) {
                return null;
            }
            List<String> names = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                names.add(in.readUTF());
            }
            Set<String> variants = new LinkedHashSet<>();
            for (int i = in.readInt(); i > 0; i--) {
                variants.add(in.readUTF());
            }
            return new Index(List.copyOf(names), variants);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
