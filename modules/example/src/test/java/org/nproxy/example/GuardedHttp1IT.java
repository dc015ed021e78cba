package org.nproxy.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.TestCerts;

/**
 * The HTTP/1.1 guard (the server's delegating endpoint that follows request framing ahead of
 * Jetty's parser) where it is easiest to get wrong: pipelined requests behind chunked and
 * Content-Length bodies, a request smuggled behind a broken chunk, and the same defences inside
 * TLS, where the guard reads decrypted bytes and the request scheme must still be https.
 */
class GuardedHttp1IT {
    @TempDir
    static Path dir;
    static NproxyFixture nproxy;
    static int clear;

    @BeforeAll
    static void start() throws Exception {
        TestCerts certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("a.test", "rsa");
        nproxy = NproxyFixture.startOnFreePorts(dir.resolve("base"), 1, ports -> {
            clear = ports[0];
            return """
                <nproxy idle-timeout="30s" header-timeout="1s">
                  <access-log off="true"/>
                  <server names="a.test" default="true">
                    <listen host="127.0.0.1" port="%2$d"/>
                    <listen host="127.0.0.1" port="0" tls="true" protocols="http/1.1"/>
                    <tls cert="%1$s/a.test.crt" key="%1$s/a.test.key"/>
                    <location path="/scheme"><return body="scheme=$scheme"/></location>
                    <location path="/"><echo max-body="1m"/></location>
                  </server>
                </nproxy>""".formatted(certs.dir(), clear);
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (nproxy != null) {
            nproxy.close();
        }
    }

    private static final String CHUNKED_POST = "POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String LAST_GET = "GET /scheme HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n";

    @Test
    void pipelinedRequestsBehindChunkedAndLengthBodiesAreAllAnswered() throws Exception {
        String pipeline = CHUNKED_POST + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
            + "POST /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: 11\r\n\r\nPOST /up 0\n"
            + CHUNKED_POST + "3\r\nabc\r\n0\r\n\r\n"
            + LAST_GET;
        String answer = exchange(plain(), pipeline);
        assertEquals(4, count(answer, "HTTP/1.1 200 "), answer);
        int hello = answer.indexOf("hello world");
        int body = answer.indexOf("POST /up 0\n");
        int abc = answer.indexOf("abc");
        int scheme = answer.indexOf("scheme=http");
        assertTrue(hello > 0 && body > hello && abc > body && scheme > abc, answer);
    }

    @Test
    void aRequestSmuggledBehindABrokenChunkIsNeverServed() throws Exception {
        String answer = exchange(plain(), CHUNKED_POST + "5\nhello\r\n0\r\n\r\n" + LAST_GET);
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        assertEquals(1, count(answer, "HTTP/1.1 "), "only the 400, then the connection closes: " + answer);
    }

    @Test
    void insideTlsABareLfChunkLineIs400AndGoodChunksAreEchoed() throws Exception {
        String good = exchange(tls(), CHUNKED_POST.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
            + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assertTrue(good.startsWith("HTTP/1.1 200 ") && good.endsWith("hello world"), good);
        for (String body : new String[] {"5\nhello\r\n0\r\n\r\n", "5\r\nhello\n0\r\n\r\n", "5\r\nhello\r\n0\n\r\n"}) {
            String answer = exchange(tls(), CHUNKED_POST + body + LAST_GET);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), body.replace("\n", "\\n") + " -> " + answer);
            assertEquals(1, count(answer, "HTTP/1.1 "), answer);
        }
    }

    @Test
    void insideTlsTheSchemeIsHttpsAndPipeliningWorks() throws Exception {
        String answer = exchange(tls(), "GET /scheme HTTP/1.1\r\nHost: a.test\r\n\r\n" + CHUNKED_POST
            + "2\r\nok\r\n0\r\n\r\n" + LAST_GET);
        assertEquals(3, count(answer, "HTTP/1.1 200 "), answer);
        assertEquals(2, count(answer, "scheme=https"), answer);
    }

    @Test
    void insideTlsATrickledHeadGets408AtTheDeadline() throws Exception {
        try (Socket socket = tls()) {
            OutputStream out = socket.getOutputStream();
            long start = System.nanoTime();
            out.write("GET /scheme HTTP/1.1\r\nHost: a".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            assertTrue(millis >= 900 && millis < 5000, "408 after " + millis + " ms, expected ~1 s");
        }
    }

    @Test
    void expectContinueThenTheBodyThenAnotherRequestOnTheSameConnection() throws Exception {
        for (boolean secure : new boolean[] {false, true}) {
            // Connect just before use: a connection's first head deadline runs from its accept.
            try (Socket socket = secure ? tls() : plain()) {
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                out.write("POST /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String interim = readHead(in);
                assertTrue(interim.startsWith("HTTP/1.1 100 "), interim);
                Thread.sleep(1500); // longer than header-timeout: the body is not part of the head
                out.write(("hello" + LAST_GET).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(answer.startsWith("HTTP/1.1 200 ") && answer.contains("Expect: 100-continue\n\nhello"), answer);
                assertEquals(2, count(answer, "HTTP/1.1 200 "), answer);
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        return head.toString();
    }

    /** Writes {@code raw} at once and reads until the server closes. */
    private static String exchange(Socket socket, String raw) throws IOException {
        try (socket) {
            OutputStream out = socket.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static Socket plain() throws IOException {
        Socket socket = new Socket("127.0.0.1", clear);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static SSLSocket tls() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", nproxy.server().port("127.0.0.1:0"));
        SSLParameters params = socket.getSSLParameters();
        params.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(params);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }
}
