package org.nproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;

/**
 * HTTP/2 by hand over a cleartext socket (prior knowledge), for frames no real client sends:
 * header blocks are written as HPACK literals without indexing or Huffman, so names keep their
 * case and order exactly as given. Responses are decoded with Jetty's HPACK decoder.
 *
 * <pre>{@code
 * try (H2Wire h2 = H2Wire.open(port)) {
 *     h2.headers(1, true, H2Wire.get("/"), "X-Upper", "1");
 *     assertEquals("RST_STREAM(PROTOCOL_ERROR)", h2.outcome(1));
 * }
 * }</pre>
 */
public final class H2Wire implements AutoCloseable {
    public static final int DATA = 0;
    public static final int HEADERS = 1;
    public static final int PRIORITY = 2;
    public static final int RST_STREAM = 3;
    public static final int SETTINGS = 4;
    public static final int PING = 6;
    public static final int GOAWAY = 7;
    public static final int WINDOW_UPDATE = 8;
    public static final int CONTINUATION = 9;
    public static final int END_STREAM = 0x1;
    public static final int END_HEADERS = 0x4;
    private static final String[] ERRORS = {"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
        "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"};

    /** One frame as read. */
    public record Frame(int type, int flags, int stream, byte[] payload) {
        public int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ByteBuffer.wrap(payload, at, 4).getInt();
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final HpackDecoder decoder = new HpackDecoder(64 * 1024, System::nanoTime);

    private H2Wire(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects, sends the preface and an empty SETTINGS. */
    public static H2Wire open(int port) throws IOException {
        H2Wire h2 = new H2Wire(new Socket("127.0.0.1", port));
        h2.socket.setSoTimeout(5000);
        h2.raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        h2.frame(SETTINGS, 0, 0, new byte[0]);
        return h2;
    }

    /** Connects over TLS (any certificate trusted, ALPN h2), then as {@link #open}. */
    public static H2Wire openTls(int port) throws Exception {
        org.eclipse.jetty.util.ssl.SslContextFactory.Client tls = new org.eclipse.jetty.util.ssl.SslContextFactory.Client(true);
        tls.start();
        try {
            javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.getSslContext().getSocketFactory()
                .createSocket("127.0.0.1", port);
            javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            if (!"h2".equals(socket.getApplicationProtocol())) {
                socket.close();
                throw new IOException("ALPN chose " + socket.getApplicationProtocol() + ", not h2");
            }
            H2Wire h2 = new H2Wire(socket);
            h2.socket.setSoTimeout(5000);
            h2.raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            h2.frame(SETTINGS, 0, 0, new byte[0]);
            return h2;
        } finally {
            tls.stop();
        }
    }

    /** The pseudo-header fields of a GET of {@code path}, then {@code more} name/value pairs. */
    public static String[] get(String path, String... more) {
        List<String> fields = new ArrayList<>(List.of(":method", "GET", ":scheme", "http", ":authority", "localhost", ":path", path));
        fields.addAll(List.of(more));
        return fields.toArray(String[]::new);
    }

    public void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        raw(encode(type, flags, stream, payload));
    }

    /** One frame's bytes: the 9-byte header, then the payload. */
    public static byte[] encode(int type, int flags, int stream, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(payload.length >>> 16);
        f.write(payload.length >>> 8);
        f.write(payload.length);
        f.write(type);
        f.write(flags);
        f.writeBytes(ByteBuffer.allocate(4).putInt(stream).array());
        f.writeBytes(payload);
        return f.toByteArray();
    }

    /** A HEADERS frame (END_HEADERS set) with name/value pairs as literals. */
    public void headers(int stream, boolean endStream, String... nameValues) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(nameValues));
    }

    public void data(int stream, boolean endStream, byte[] bytes) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    /** An HPACK block of literal header fields without indexing, no Huffman. */
    public static byte[] block(String... nameValues) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i + 1 < nameValues.length; i += 2) {
            b.write(0);
            string(b, nameValues[i]);
            string(b, nameValues[i + 1]);
        }
        return b.toByteArray();
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = bytes.length;
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write((n & 127) | 128);
                n >>>= 7;
            }
            b.write(n);
        }
        b.writeBytes(bytes);
    }

    /** The next frame, acknowledging SETTINGS on the way; null at end of stream or timeout. */
    public Frame read() throws IOException {
        try {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == SETTINGS && (flags & 1) == 0) {
                frame(SETTINGS, 1, 0, new byte[0]);
            }
            return new Frame(type, flags, stream, payload);
        } catch (SocketTimeoutException | java.io.EOFException e) {
            return null;
        } catch (IOException e) {
            return null; // reset by the server: as good as closed for the outcome
        }
    }

    /**
     * What the server did with a stream, frames in order until the stream or the connection
     * ended (or 5 s of silence): e.g. {@code "HEADERS(400) DATA END_STREAM"},
     * {@code "RST_STREAM(PROTOCOL_ERROR)"}, {@code "GOAWAY(PROTOCOL_ERROR)"}, {@code "CLOSED"}.
     */
    public String outcome(int stream) throws IOException {
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            Frame f = read();
            if (f == null) {
                return seen.append("CLOSED").toString().trim();
            }
            if (f.type() == GOAWAY) {
                return seen.append("GOAWAY(").append(error(f.errorCode())).append(")").toString().trim();
            }
            if (f.stream() != stream) {
                continue;
            }
            switch (f.type()) {
                case HEADERS -> seen.append("HEADERS(").append(status(f.payload())).append(") ");
                case DATA -> seen.append("DATA ");
                case RST_STREAM -> {
                    return seen.append("RST_STREAM(").append(error(f.errorCode())).append(")").toString().trim();
                }
                default -> seen.append("type").append(f.type()).append(' ');
            }
            if ((f.flags() & END_STREAM) != 0) {
                return seen.append("END_STREAM").toString().trim();
            }
        }
        return seen.toString().trim();
    }

    /**
     * Every frame the server sends within {@code millis} (or until it closes), one word each:
     * {@code HEADERS#1(200) DATA#1 RST_STREAM#1(CANCEL) GOAWAY(PROTOCOL_ERROR) CLOSED}; SETTINGS,
     * PING and WINDOW_UPDATE are left out.
     */
    public String trace(long millis) throws IOException {
        StringBuilder seen = new StringBuilder();
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            socket.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
            Frame f;
            try {
                f = readOrThrow();
            } catch (SocketTimeoutException e) {
                break;
            } catch (IOException e) {
                seen.append("CLOSED");
                break;
            }
            switch (f.type()) {
                case HEADERS -> seen.append("HEADERS#").append(f.stream()).append('(').append(status(f.payload())).append(") ");
                case DATA -> seen.append("DATA#").append(f.stream()).append((f.flags() & END_STREAM) != 0 ? "! " : " ");
                case RST_STREAM -> seen.append("RST_STREAM#").append(f.stream()).append('(').append(error(f.errorCode())).append(") ");
                case GOAWAY -> seen.append("GOAWAY(").append(error(f.errorCode())).append(") ");
                default -> {
                }
            }
        }
        socket.setSoTimeout(5000);
        return seen.toString().trim();
    }

    private Frame readOrThrow() throws IOException {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        if (type == SETTINGS && (flags & 1) == 0) {
            frame(SETTINGS, 1, 0, new byte[0]);
        }
        return new Frame(type, flags, stream, payload);
    }

    private String status(byte[] block) {
        try {
            MetaData m = decoder.decode(ByteBuffer.wrap(block));
            return m instanceof MetaData.Response r ? String.valueOf(r.getStatus()) : "trailers";
        } catch (Exception e) {
            return "undecodable";
        }
    }

    public static String error(int code) {
        return code >= 0 && code < ERRORS.length ? ERRORS[code] : "0x" + Integer.toHexString(code);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
