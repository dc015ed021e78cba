package org.nproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLParameters;

import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * An HTTP/2 client over TLS that writes frames by hand and counts the TLS records it receives:
 * a blocking socket and the JDK's {@link SSLEngine} (trusts any certificate, offers ALPN h2).
 * Requests are GETs encoded with HPACK's static table only; answers are collected per stream.
 * {@link #write} and {@link #readUntil} may run on two threads at once.
 */
public final class RawH2Tls implements AutoCloseable {
    private final SocketChannel channel;
    private final SSLEngine engine;
    private final String authority;
    private final ByteBuffer netIn;
    private final ByteBuffer appIn;
    private final ByteArrayOutputStream plain = new ByteArrayOutputStream();
    /** Application-data records received since the last {@link #resetRecords}. */
    private int records;
    /** DATA bytes by stream id, and the streams that ended. */
    public final Map<Integer, ByteArrayOutputStream> bodies = new ConcurrentHashMap<>();
    public final Map<Integer, Integer> statusFrames = new ConcurrentHashMap<>();
    private int ended;
    private int serverSettings;
    private int settingsAcks;
    private int resets;

    /** Connects and handshakes; {@code receiveBuffer} > 0 sets the socket's SO_RCVBUF first. */
    public RawH2Tls(int port, int receiveBuffer) throws Exception {
        SslContextFactory.Client tls = new SslContextFactory.Client(true);
        tls.start();
        engine = tls.newSSLEngine("127.0.0.1", port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setApplicationProtocols(new String[]{"h2"});
        engine.setSSLParameters(parameters);
        channel = SocketChannel.open();
        if (receiveBuffer > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
        }
        channel.connect(new InetSocketAddress("127.0.0.1", port));
        authority = "127.0.0.1:" + port;
        netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 2);
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
        handshake();
        if (!"h2".equals(engine.getApplicationProtocol())) {
            throw new IllegalStateException("ALPN chose " + engine.getApplicationProtocol() + ", not h2");
        }
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        HandshakeStatus status = engine.getHandshakeStatus();
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
            switch (status) {
                case NEED_WRAP -> {
                    out.clear();
                    SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), out);
                    out.flip();
                    while (out.hasRemaining()) {
                        channel.write(out);
                    }
                    status = r.getHandshakeStatus();
                }
                case NEED_UNWRAP -> {
                    netIn.flip();
                    SSLEngineResult r = engine.unwrap(netIn, appIn);
                    netIn.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && channel.read(netIn) < 0) {
                        throw new IOException("closed during the handshake");
                    }
                    status = r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW ? engine.getHandshakeStatus()
                        : r.getHandshakeStatus();
                }
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                    status = engine.getHandshakeStatus();
                }
                default -> throw new IllegalStateException(status.toString());
            }
        }
    }

    /** The connection preface, SETTINGS (initial window 1 GiB) and a WINDOW_UPDATE of the connection. */
    public static byte[] preface() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(H2Wire.encode(H2Wire.SETTINGS, 0, 0, new byte[]{0, 4, 0x40, 0, 0, 0}));
        out.writeBytes(H2Wire.encode(H2Wire.WINDOW_UPDATE, 0, 0, new byte[]{0x3f, (byte) 0xff, 0, 0}));
        return out.toByteArray();
    }

    /** A SETTINGS acknowledgement. */
    public static byte[] settingsAck() {
        return H2Wire.encode(H2Wire.SETTINGS, 1, 0, new byte[0]);
    }

    /** A HEADERS frame with END_STREAM: GET https://authority/path. */
    public byte[] get(int streamId, String path) {
        return H2Wire.encode(H2Wire.HEADERS, H2Wire.END_HEADERS | H2Wire.END_STREAM, streamId,
            H2Wire.block(":method", "GET", ":scheme", "https", ":path", path, ":authority", authority));
    }

    /** Encrypts and writes all of it (one TLS record per 16 KiB). */
    public void write(byte[] bytes) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(bytes);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        synchronized (engine) {
            while (src.hasRemaining()) {
                out.clear();
                engine.wrap(src, out);
                out.flip();
                while (out.hasRemaining()) {
                    channel.write(out);
                }
            }
        }
    }

    public synchronized void resetRecords() {
        records = 0;
    }

    public synchronized int records() {
        return records;
    }

    public synchronized int ended() {
        return ended;
    }

    public synchronized int resets() {
        return resets;
    }

    /** Reads until the server's SETTINGS and the acknowledgement of ours have come; acknowledges theirs. */
    public void settle() throws IOException {
        readUntil(() -> serverSettings > 0 && settingsAcks > 0);
        write(settingsAck());
    }

    /** Reads until {@code count} streams have ended (DATA or HEADERS with END_STREAM). */
    public void readUntilEnded(int count) throws IOException {
        readUntil(() -> ended >= count);
    }

    private synchronized void readUntil(java.util.function.BooleanSupplier done) throws IOException {
        while (!done.getAsBoolean()) {
            if (channel.read(netIn) < 0) {
                throw new IOException("the server closed the connection; " + ended + " streams ended");
            }
            netIn.flip();
            while (true) {
                appIn.clear();
                SSLEngineResult r = engine.unwrap(netIn, appIn);
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    break;
                }
                if (r.bytesProduced() > 0) {
                    records++;
                    appIn.flip();
                    plain.write(appIn.array(), 0, appIn.limit());
                }
                if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                }
            }
            netIn.compact();
            parseFrames();
        }
    }

    private void parseFrames() {
        byte[] bytes = plain.toByteArray();
        int at = 0;
        while (bytes.length - at >= 9) {
            int length = (bytes[at] & 0xff) << 16 | (bytes[at + 1] & 0xff) << 8 | bytes[at + 2] & 0xff;
            if (bytes.length - at - 9 < length) {
                break;
            }
            int type = bytes[at + 3];
            int flags = bytes[at + 4];
            int stream = (bytes[at + 5] & 0x7f) << 24 | (bytes[at + 6] & 0xff) << 16 | (bytes[at + 7] & 0xff) << 8
                | bytes[at + 8] & 0xff;
            switch (type) {
                case 0 -> bodies.computeIfAbsent(stream, s -> new ByteArrayOutputStream()).write(bytes, at + 9, length);
                case 1 -> statusFrames.merge(stream, 1, Integer::sum);
                case 3 -> resets++;
                case 4 -> {
                    if ((flags & 1) != 0) {
                        settingsAcks++;
                    } else {
                        serverSettings++;
                    }
                }
                default -> { }
            }
            if ((type == 0 || type == 1) && (flags & 1) != 0) {
                ended++;
            }
            at += 9 + length;
        }
        plain.reset();
        plain.write(bytes, at, bytes.length - at);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
