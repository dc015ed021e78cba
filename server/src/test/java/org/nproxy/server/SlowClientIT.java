package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * Issue 18, slow clients, on raw sockets: the request-head deadline ({@code header-timeout}) and
 * the per-address connection cap ({@code max-connections-per-address}). The body-rate minimum
 * needs a handler that reads bodies: see the example module's {@code BodyHardeningIT}.
 */
class SlowClientIT {
    private static String config(String rootAttributes) {
        return """
            <nproxy idle-timeout="20s" %s>
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/"><return body="ok"/></location>
              </server>
            </nproxy>""".formatted(rootAttributes);
    }

    @Test
    void aHeadTrickledByteByByteGets408AtTheDeadline() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("header-timeout=\"1s\""));
             Socket socket = new Socket("127.0.0.1", nproxy.port())) {
            socket.setSoTimeout(200);
            OutputStream out = socket.getOutputStream();
            byte[] head = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            StringBuilder answer = new StringBuilder();
            // One byte every 100 ms: each one resets the idle timeout (20 s), never the head deadline.
            for (int i = 0; i < head.length && System.nanoTime() - start < 8_000_000_000L; i++) {
                try {
                    out.write(head[i]);
                    out.flush();
                } catch (IOException closed) {
                    break;
                }
                if (readSome(socket.getInputStream(), answer) < 0) {
                    break;
                }
            }
            socket.setSoTimeout(5000);
            readSome(socket.getInputStream(), answer);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.toString().startsWith("HTTP/1.1 408 "), answer.toString());
            assertTrue(millis >= 900 && millis < 4000, "408 after " + millis + " ms, expected ~1 s");
            assertEquals(-1, readToEnd(socket.getInputStream()), "the connection is closed after the 408");
        }
    }

    @Test
    void aConnectionThatSendsNothingGets408() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("header-timeout=\"1s\""));
             Socket socket = new Socket("127.0.0.1", nproxy.port())) {
            socket.setSoTimeout(5000);
            long start = System.nanoTime();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            assertTrue(millis < 4000, "closed after " + millis + " ms");
        }
    }

    @Test
    void keepAliveWaitBetweenRequestsIsTheIdleTimeoutsNotTheHeadDeadlines() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("header-timeout=\"500ms\""));
             Socket socket = new Socket("127.0.0.1", nproxy.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 2; i++) {
                out.write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String answer = readResponse(in);
                assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
                Thread.sleep(1200); // longer than the head deadline, far shorter than the idle timeout
            }
        }
    }

    @Test
    void headerTimeoutDefaultsTo10sAndZeroTurnsItOff() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("header-timeout=\"0\""));
             Socket socket = new Socket("127.0.0.1", nproxy.port())) {
            socket.setSoTimeout(1500);
            assertThrowsTimeout(socket.getInputStream());
        }
        assertEquals(java.time.Duration.ofSeconds(10), org.nproxy.config.HardeningSettings.DEFAULTS.headerTimeout());
    }

    @Test
    void connectionsOverThePerAddressCapAreClosed() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("max-connections-per-address=\"3\""))) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    Socket s = new Socket("127.0.0.1", nproxy.port());
                    s.setSoTimeout(3000);
                    sockets.add(s);
                }
                int closed = 0;
                int served = 0;
                for (Socket s : sockets) {
                    try {
                        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        String answer = readResponse(s.getInputStream());
                        if (answer.startsWith("HTTP/1.1 200 ")) {
                            served++;
                        } else {
                            closed++;
                        }
                    } catch (IOException e) {
                        closed++;
                    }
                }
                assertEquals(3, served, "three connections served");
                assertEquals(2, closed, "two closed at accept");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            // The count goes down as connections close: a new one is served again.
            long deadline = System.nanoTime() + 5_000_000_000L;
            String answer = "";
            while (System.nanoTime() < deadline && !answer.startsWith("HTTP/1.1 200 ")) {
                try {
                    answer = Http.get(nproxy.port(), "/", "a");
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
        }
    }

    private static void assertThrowsTimeout(InputStream in) throws IOException {
        try {
            int b = in.read();
            throw new AssertionError("expected no answer, read " + b);
        } catch (SocketTimeoutException expected) {
            // still open, nothing sent
        }
    }

    /** Reads what is there (up to the socket timeout); -1 at end of stream. */
    private static int readSome(InputStream in, StringBuilder into) throws IOException {
        byte[] buf = new byte[4096];
        try {
            int n = in.read(buf);
            if (n > 0) {
                into.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
            return n;
        } catch (SocketTimeoutException e) {
            return 0;
        } catch (IOException e) {
            return -1;
        }
    }

    private static int readToEnd(InputStream in) {
        try {
            while (in.read() >= 0) {
                // drain
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** One response with a Content-Length body. */
    static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                return head.toString();
            }
            head.append((char) c);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }
}
