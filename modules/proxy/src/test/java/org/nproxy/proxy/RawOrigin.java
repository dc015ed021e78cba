package org.nproxy.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted HTTP/1.1 origin on a raw socket, for answers no library server would write (a
 * non-chunked {@code Transfer-Encoding}, interim responses, a gzip body with its own length) and
 * to see the exact request bytes the proxy sent. One request per connection: it reads the head
 * (and a {@code Content-Length} body), records them, writes {@link #answer} and closes.
 */
final class RawOrigin implements AutoCloseable {
    /** One request as received: the head (request line and headers, as text) and its body. */
    record Received(String head, byte[] body, int connection) {
        Received(String head, byte[] body) {
            this(head, body, 0);
        }

        /** The value of a header (first one, case-insensitive), or null. */
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private final ServerSocket socket;
    private final Thread acceptor;
    final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    /** The bytes written back for each request, then the connection is closed. */
    volatile byte[] answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        .getBytes(StandardCharsets.ISO_8859_1);
    /**
     * When the request has {@code Expect: 100-continue}: write the answer's first head (a
     * {@code 100 Continue}) before reading the body, the rest after it.
     */
    volatile boolean continueFirst;
    /** Milliseconds to wait before that first head (the 100). */
    volatile int continueDelayMs;
    /** Write the answer's head a byte at a time (each flushed, 1 ms apart): heads split over many reads. */
    volatile boolean trickleHead;
    /** Answer without reading the request's body (a final answer before any 100 Continue). */
    volatile boolean ignoreBody;
    /** Keep the connection open after an answer and read the next request on it. */
    volatile boolean keepAlive;
    /** Connections accepted so far. */
    final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    /** Milliseconds to wait between the head of the answer (up to the blank line) and the rest. */
    volatile int pauseMs;

    RawOrigin() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().name("raw-origin").start(this::accept);
    }

    String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    /** Sets the answer from text (ISO-8859-1, use \r\n) followed by raw body bytes. */
    void answer(String head, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        answer = out.toByteArray();
    }

    Received next() throws InterruptedException {
        Received r = received.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the origin received no request within 10s");
        }
        return r;
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                int connection = connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(s, connection));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s, int connection) {
        try (s) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            do {
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int matched = 0;
                while (matched < 4) {
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    head.write(b);
                    matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
                }
                String text = head.toString(StandardCharsets.ISO_8859_1);
                Received r = new Received(text, new byte[0]);
                byte[] a = answer;
                int split = indexOf(a, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)) + 4;
                if (continueFirst && "100-continue".equalsIgnoreCase(r.header("Expect"))) {
                    // The interim answer, then the body the client sends once it has it.
                    Thread.sleep(continueDelayMs);
                    out.write(a, 0, split);
                    out.flush();
                    a = java.util.Arrays.copyOfRange(a, split, a.length);
                    split = indexOf(a, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)) + 4;
                }
                String length = r.header("Content-Length");
                byte[] body = length == null || ignoreBody ? new byte[0] : in.readNBytes(Integer.parseInt(length));
                received.add(new Received(text, body, connection));
                if (trickleHead && split > 3) {
                    for (int i = 0; i < split; i++) {
                        out.write(a[i]);
                        out.flush();
                        Thread.sleep(1);
                    }
                    out.write(a, split, a.length - split);
                } else if (pauseMs > 0 && split > 3) {
                    out.write(a, 0, split);
                    out.flush();
                    Thread.sleep(pauseMs);
                    out.write(a, split, a.length - split);
                } else {
                    out.write(a);
                }
                out.flush();
            } while (keepAlive);
            s.shutdownOutput();
            // Let the proxy read to the end before the socket goes (a reset could cut the answer).
            s.setSoTimeout(2_000);
            while (in.read() >= 0) {
                // discard
            }
        } catch (IOException | InterruptedException e) {
            // the proxy went away: nothing to record
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() throws Exception {
        socket.close();
        acceptor.join(5_000);
    }
}
