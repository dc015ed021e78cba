package org.nproxy.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import org.awaitility.Awaitility;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nproxy.testing.NproxyFixture;

/** The sendfile path and the connection around it: pipelining, slow readers, the access log. */
class ConnectionIT {
    static final int SIZE = 4 * 1024 * 1024;
    static byte[] big;
    static NproxyFixture nproxy;

    @BeforeAll
    static void start() throws Exception {
        Path base = Files.createTempDirectory("nproxy-static");
        big = new byte[SIZE];
        new Random(11).nextBytes(big);
        Files.createDirectories(base.resolve("www"));
        Files.write(base.resolve("www/big.bin"), big);
        Files.writeString(base.resolve("www/small.txt"), "small");
        nproxy = NproxyFixture.start(base, """
            <nproxy idle-timeout="1s">
              <access-log path="logs/access.log" format="common"/>
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/"><static root="www"/></location>
                <location path="/copy/"><static alias="www" sendfile="off"/></location>
              </server>
            </nproxy>""");
    }

    @AfterAll
    static void stop() throws Exception {
        nproxy.close();
        StaticSiteIT.deleteTree(nproxy.base());
    }

    @Test
    void pipelinedRequestsStayInOrder() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            // Three requests in one write: the zero-copy body must not interleave with the next response.
            String get = "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n";
            c.write(get.formatted("/big.bin") + get.formatted("/small.txt") + get.formatted("/big.bin"));
            RawClient.Reply first = c.read(false);
            assertArrayEquals(big, first.body());
            assertEquals("small", c.read(false).text());
            assertArrayEquals(big, c.read(false).body());
        }
    }

    @Test
    void accessLogCountsSendfileBytes() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            assertEquals(SIZE, c.get("/big.bin?access-log-probe").body().length);
            assertEquals(5, c.get("/small.txt?access-log-probe").body().length);
        }
        Path log = nproxy.base().resolve("logs/access.log");
        // Each line is written when its exchange completes, just after the client has its answer.
        List<String> lines = Awaitility.await("two probe lines in " + log).atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(20)).ignoreExceptions()
            .until(() -> Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.contains("access-log-probe"))
                .toList() : List.<String>of(), l -> l.size() >= 2);
        assertEquals(2, lines.size(), "access log: " + lines);
        // The access log's stripes may write the two lines in either order: pick them by URI.
        String bigLine = lines.stream().filter(l -> l.contains("/big.bin?")).findFirst().orElseThrow();
        String smallLine = lines.stream().filter(l -> l.contains("/small.txt?")).findFirst().orElseThrow();
        assertTrue(bigLine.endsWith(" 200 " + SIZE), bigLine);
        assertTrue(smallLine.endsWith(" 200 5"), smallLine);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/copy/"})
    void stalledReaderIsCutByTheIdleTimeoutAndServerCarriesOn(String prefix) throws Exception {
        try (java.io.RandomAccessFile huge = new java.io.RandomAccessFile(nproxy.base().resolve("www/huge.bin").toFile(), "rw")) {
            huge.setLength(32 * 1024 * 1024); // sparse: no disk used
        }
        try (Socket socket = new Socket("127.0.0.1", nproxy.port())) {
            socket.setReceiveBufferSize(16 * 1024);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + prefix + "huge.bin HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // Never read: the server's write waits, then its idle timeout (1s) fires and it closes
            // the connection; what it wrote before stays in the socket buffers for us to read.
            int clientPort = socket.getLocalPort();
            Awaitility.await("the server closes the stalled connection").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50)).until(() -> !connected(clientPort));
            InputStream in = socket.getInputStream();
            long received = 0;
            byte[] buffer = new byte[64 * 1024];
            long started = System.nanoTime();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received += n;
            }
            assertTrue(received < 32 * 1024 * 1024, "connection cut after " + received + " bytes");
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(15).toNanos());
        }
        try (RawClient c = new RawClient(nproxy.port())) {
            assertEquals("small", c.get("/small.txt").text());
        }
    }

    /** Whether the server still has a connection from this client port. */
    private static boolean connected(int clientPort) {
        for (Connector connector : nproxy.server().jetty().getConnectors()) {
            for (EndPoint endPoint : connector.getConnectedEndPoints()) {
                if (endPoint.getRemoteSocketAddress() instanceof InetSocketAddress remote && remote.getPort() == clientPort) {
                    return true;
                }
            }
        }
        return false;
    }
}
