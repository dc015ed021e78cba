package org.nproxy.example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * Issue 18 on raw sockets, for what needs a handler that reads the request body ({@code <echo>}):
 * strict chunked framing (400) and the minimum body rate (408).
 */
class BodyHardeningIT {
    private static final String CONFIG = """
        <nproxy idle-timeout="30s" min-request-rate="1k">
          <server><listen host="127.0.0.1" port="0"/>
            <location path="/"><echo max-body="1m"/></location>
          </server>
        </nproxy>""";

    private static String post(String body) {
        return "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body;
    }

    @Test
    void wellFramedChunksAreEchoed() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(CONFIG)) {
            String answer = Http.exchange(nproxy.port(), post("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"));
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            assertTrue(answer.endsWith("hello world"), answer);
        }
    }

    @Test
    void chunkSizeLineEndingInBareLfIs400() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(CONFIG)) {
            for (String body : new String[] {
                "5\nhello\r\n0\r\n\r\n",          // size line ends in LF
                "5;x=y\nhello\r\n0\r\n\r\n",      // extension line ends in LF
                "5\r\nhello\n0\r\n\r\n",          // data ends in LF
                "5\r\nhelloA\r\n0\r\n\r\n",       // data runs into the next size (Jetty read "A" as a size)
                "\r\n5\r\nhello\r\n0\r\n\r\n",    // blank line before the first size
                "5\r\nhello\r\n0\n\r\n"}) {       // last-chunk line ends in LF
                String answer = Http.exchange(nproxy.port(), post(body));
                assertTrue(answer.startsWith("HTTP/1.1 400 "), body.replace("\r", "\\r").replace("\n", "\\n") + " -> " + answer);
            }
        }
    }

    @Test
    void aBodyTrickledBelowTheMinimumRateGets408() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(CONFIG);
             Socket socket = new Socket("127.0.0.1", nproxy.port())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nx".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            InputStream in = socket.getInputStream();
            // One byte every 500 ms: 2 bytes/s against a minimum of 1k/s.
            for (int i = 0; i < 20 && in.available() == 0; i++) {
                Thread.sleep(500);
                try {
                    out.write('x');
                    out.flush();
                } catch (IOException closed) {
                    break;
                }
            }
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            assertTrue(millis < 6000, "408 after " + millis + " ms");
        }
    }

    @Test
    void aSteadyUploadAboveTheRateIsServed() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(CONFIG);
             Socket socket = new Socket("127.0.0.1", nproxy.port())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 12000\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 12; i++) { // 1000 bytes every 250 ms = 4k/s for 3 s
                out.write("y".repeat(1000).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(250);
            }
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
        }
    }
}
