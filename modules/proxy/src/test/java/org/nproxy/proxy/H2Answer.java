package org.nproxy.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;
import org.nproxy.testing.H2Wire;

/**
 * What an h2 server sent on one stream, read frame by frame from an {@link H2Wire}: each head
 * (interim ones included) with its status and fields, the DATA bytes, and how the stream ended.
 * Decodes every HEADERS frame of the connection (the HPACK table is the connection's).
 */
final class H2Answer {
    private final H2Wire wire;
    private final int stream;
    private final HpackDecoder decoder = new HpackDecoder(64 * 1024, System::nanoTime);
    private final List<Integer> statuses = new ArrayList<>();
    private final List<Map<String, String>> heads = new ArrayList<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private String end;

    H2Answer(H2Wire wire, int stream) {
        this.wire = wire;
        this.stream = stream;
    }

    /** Reads the whole answer of {@code stream}. */
    static H2Answer read(H2Wire wire, int stream) throws IOException {
        H2Answer a = new H2Answer(wire, stream);
        a.readUntil(-1);
        return a;
    }

    /** Reads frames until a head with {@code status} arrived (-1: until the stream ends); false if it ended first. */
    boolean readUntil(int status) throws IOException {
        while (end == null) {
            H2Wire.Frame f = wire.read();
            if (f == null) {
                end = "CLOSED";
                break;
            }
            switch (f.type()) {
                case H2Wire.GOAWAY -> end = "GOAWAY(" + H2Wire.error(f.errorCode()) + ")";
                case H2Wire.HEADERS -> {
                    MetaData m;
                    try {
                        m = decoder.decode(ByteBuffer.wrap(f.payload()));
                    } catch (Exception e) {
                        throw new IOException("undecodable HEADERS", e);
                    }
                    if (f.stream() == stream) {
                        Map<String, String> fields = new LinkedHashMap<>();
                        for (HttpField h : m.getHttpFields()) {
                            fields.merge(h.getName().toLowerCase(Locale.ROOT), h.getValue(), (x, y) -> x + ", " + y);
                        }
                        heads.add(fields);
                        int s = m instanceof MetaData.Response r ? r.getStatus() : 0;
                        statuses.add(s);
                        if ((f.flags() & H2Wire.END_STREAM) != 0) {
                            end = "END_STREAM";
                        }
                        if (s == status) {
                            return true;
                        }
                    }
                }
                case H2Wire.DATA -> {
                    if (f.stream() == stream) {
                        body.writeBytes(f.payload());
                        if ((f.flags() & H2Wire.END_STREAM) != 0) {
                            end = "END_STREAM";
                        }
                    }
                }
                case H2Wire.RST_STREAM -> {
                    if (f.stream() == stream) {
                        end = "RST_STREAM(" + H2Wire.error(f.errorCode()) + ")";
                    }
                }
                default -> {
                }
            }
        }
        return false;
    }

    /** Statuses of the heads in order (0 for trailers). */
    List<Integer> statuses() {
        return statuses;
    }

    /** The fields of each head, names in lower case. */
    List<Map<String, String>> heads() {
        return heads;
    }

    byte[] body() {
        return body.toByteArray();
    }

    /** END_STREAM, RST_STREAM(code), GOAWAY(code) or CLOSED; null while open. */
    String end() {
        return end;
    }

    @Override
    public String toString() {
        return "statuses=" + statuses + " heads=" + heads + " body=" + body.size() + " bytes, end=" + end;
    }
}
