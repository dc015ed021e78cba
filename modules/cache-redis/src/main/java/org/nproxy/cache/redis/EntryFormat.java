package org.nproxy.cache.redis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import org.nproxy.cache.policy.Exchange;
import org.nproxy.cache.policy.Headers;
import org.nproxy.cache.shared.SharedTier;
import org.nproxy.cache.store.StoredResponse;

/**
 * The byte layout of what Nproxy writes to Redis. Every value starts with a frame: the magic
 * {@code NPXC}, a format version, the kind of value, the payload length and the CRC32C of the
 * payload. A value with another magic, version or kind, a wrong length or checksum, or a payload
 * that names another key than the one it was read under, decodes as {@code null}: it is ignored
 * and counted, never served. Body chunks are raw bytes, checked by the length and CRC32C of the
 * whole body that their entry records.
 */
final class EntryFormat {
    static final int MAGIC = 0x4e505843; // "NPXC"
    static final int VERSION = 1;
    static final int INDEX = 1;
    static final int ENTRY = 2;
    static final int MESSAGE = 3;

    /** A decoded entry: metadata and either the inline body or where its chunks are. */
    record Entry(StoredResponse.Meta meta, byte[] inline, String writeId, int chunks, int bodyCrc) {
        boolean chunked() {
            return inline == null;
        }
    }

    /** A decoded invalidation message, with the instance that sent it. */
    record Message(String sender, SharedTier.Invalidation invalidation) {
    }

    private EntryFormat() {
    }

    static byte[] index(String primaryKey, List<String> varyNames) {
        return frame(INDEX, out -> {
            writeString(out, primaryKey);
            writeStrings(out, varyNames);
        });
    }

    /** The Vary names of an index value, or null when it is not a valid index of {@code primaryKey}. */
    static List<String> index(byte[] value, String primaryKey) {
        DataInputStream in = open(value, INDEX);
        if (in == null) {
            return null;
        }
        try {
            return primaryKey.equals(readString(in)) ? readStrings(in) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static byte[] entry(String primaryKey, String variantKey, StoredResponse.Meta meta, byte[] inline, String writeId,
                        int chunks, int bodyCrc) {
        return frame(ENTRY, out -> {
            writeString(out, primaryKey);
            writeString(out, variantKey);
            Exchange e = meta.exchange();
            out.writeShort(e.status());
            out.writeLong(e.requestTime());
            out.writeLong(e.responseTime());
            out.writeLong(meta.length());
            out.writeInt(e.headers().fields().size());
            for (Headers.Field f : e.headers().fields()) {
                writeString(out, f.name());
                writeString(out, f.value());
            }
            out.writeBoolean(inline != null);
            if (inline != null) {
                out.writeInt(inline.length);
                out.write(inline);
            } else {
                writeString(out, writeId);
                out.writeInt(chunks);
                out.writeInt(bodyCrc);
            }
        });
    }

    /** An entry, or null when the value is not a valid entry of this key and variant. */
    static Entry entry(byte[] value, String primaryKey, String variantKey) {
        DataInputStream in = open(value, ENTRY);
        if (in == null) {
            return null;
        }
        try {
            if (!primaryKey.equals(readString(in)) || !variantKey.equals(readString(in))) {
                return null;
            }
            int status = in.readUnsignedShort();
            long requestTime = in.readLong();
            long responseTime = in.readLong();
            long length = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > 10_000) {
                return null;
            }
            List<Headers.Field> fields = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                fields.add(new Headers.Field(readString(in), readString(in)));
            }
            StoredResponse.Meta meta = new StoredResponse.Meta(
                new Exchange(status, new Headers(fields), requestTime, responseTime), length);
            if (in.readBoolean()) {
                int size = in.readInt();
                if (size != length || size > in.available()) {
                    return null;
                }
                byte[] body = new byte[size];
                in.readFully(body);
                return new Entry(meta, body, null, 0, 0);
            }
            return new Entry(meta, null, readString(in), in.readInt(), in.readInt());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static byte[] message(String sender, SharedTier.Invalidation invalidation) {
        return frame(MESSAGE, out -> {
            writeString(out, sender);
            out.writeByte(invalidation.kind().ordinal());
            writeStrings(out, invalidation.values());
        });
    }

    static Message message(byte[] value) {
        DataInputStream in = open(value, MESSAGE);
        if (in == null) {
            return null;
        }
        try {
            String sender = readString(in);
            int kind = in.readUnsignedByte();
            if (kind >= SharedTier.Kind.values().length) {
                return null;
            }
            return new Message(sender, new SharedTier.Invalidation(SharedTier.Kind.values()[kind], readStrings(in)));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] frame(int kind, Writer writer) {
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream(512);
            DataOutputStream p = new DataOutputStream(payload);
            writer.write(p);
            p.flush();
            byte[] body = payload.toByteArray();
            ByteArrayOutputStream framed = new ByteArrayOutputStream(body.length + 14);
            DataOutputStream out = new DataOutputStream(framed);
            out.writeInt(MAGIC);
            out.writeByte(VERSION);
            out.writeByte(kind);
            out.writeInt(body.length);
            out.writeInt(crc(body));
            out.write(body);
            out.flush();
            return framed.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The payload of a valid frame of {@code kind}, or null. */
    private static DataInputStream open(byte[] value, int kind) {
        if (value == null || value.length < 14) {
            return null;
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(value));
            if (in.readInt() != MAGIC || in.readUnsignedByte() != VERSION || in.readUnsignedByte() != kind) {
                return null;
            }
            int length = in.readInt();
            int crc = in.readInt();
            if (length != value.length - 14) {
                return null;
            }
            CRC32C check = new CRC32C();
            check.update(value, 14, length);
            if ((int) check.getValue() != crc) {
                return null;
            }
            return in;
        } catch (IOException e) {
            return null;
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("bad string length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String v : values) {
            writeString(out, v);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 100_000) {
            throw new IOException("bad count " + n);
        }
        List<String> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(readString(in));
        }
        return List.copyOf(values);
    }
}
