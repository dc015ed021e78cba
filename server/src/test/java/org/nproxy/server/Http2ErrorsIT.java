package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nproxy.testing.H2Wire;
import org.nproxy.testing.NproxyFixture;

/**
 * Issue 18: HTTP/2 errors as RFC 9113 names them, frame by frame on a raw h2c socket. Malformed
 * requests are stream errors RST_STREAM(PROTOCOL_ERROR) (§8.1.1): fixed in
 * {@code StrictH2Factory}. The connection-level codes (§5.1, §6) and the early answer with
 * RST_STREAM(NO_ERROR) (§8.1) were already right in Jetty 12.0.30 and are pinned here.
 */
class Http2ErrorsIT {
    static NproxyFixture nproxy;

    @BeforeAll
    static void start() throws Exception {
        nproxy = NproxyFixture.start("""
            <nproxy><server><listen host="127.0.0.1" port="0" protocols="http/1.1 h2c"/>
              <location path="= /read"><read-body/></location>
              <location path="/"><return body="ok"/></location>
            </server></nproxy>""");
    }

    @AfterAll
    static void stop() throws Exception {
        nproxy.close();
    }

    private static final String[] POST = {":method", "POST", ":scheme", "http", ":path", "/", ":authority", "a"};

    static Stream<Arguments> malformed() {
        return Stream.of(
            Arguments.of("uppercase field name", H2Wire.get("/", "X-Upper", "1")),
            Arguments.of("connection", H2Wire.get("/", "connection", "close")),
            Arguments.of("keep-alive", H2Wire.get("/", "keep-alive", "5")),
            Arguments.of("proxy-connection", H2Wire.get("/", "proxy-connection", "x")),
            Arguments.of("transfer-encoding", H2Wire.get("/", "transfer-encoding", "chunked")),
            Arguments.of("upgrade", H2Wire.get("/", "upgrade", "h2c")),
            Arguments.of("te other than trailers", H2Wire.get("/", "te", "gzip")),
            Arguments.of("unknown pseudo-header", H2Wire.get("/", ":foo", "x")),
            Arguments.of("no :path", new String[] {":method", "GET", ":scheme", "http", ":authority", "a"}),
            Arguments.of("no :method", new String[] {":path", "/", ":scheme", "http", ":authority", "a"}),
            Arguments.of("no :scheme", new String[] {":method", "GET", ":path", "/", ":authority", "a"}),
            Arguments.of("duplicated :path", H2Wire.get("/", ":path", "/x")),
            Arguments.of("duplicated :method", H2Wire.get("/", ":method", "GET")),
            Arguments.of("pseudo-header after a regular field",
                new String[] {":method", "GET", ":scheme", "http", "x-a", "1", ":path", "/", ":authority", "a"}),
            Arguments.of("empty :path", new String[] {":method", "GET", ":scheme", "http", ":path", "", ":authority", "a"}),
            Arguments.of("relative :path", new String[] {":method", "GET", ":scheme", "http", ":path", "x", ":authority", "a"}),
            Arguments.of(":path * on GET", new String[] {":method", "GET", ":scheme", "http", ":path", "*", ":authority", "a"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedRequestsAreStreamErrors(String name, String[] fields) throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            h2.headers(1, true, fields);
            assertEquals("RST_STREAM(PROTOCOL_ERROR)", h2.outcome(1), name);
            // A stream error: the connection goes on.
            h2.headers(3, true, H2Wire.get("/"));
            assertEquals("HEADERS(200) DATA END_STREAM", h2.outcome(3), name);
        }
    }

    @Test
    void wellFormedNeighboursAreServed() throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            // Static-table names (accept-encoding, user-agent, cookie) are what real clients send.
            h2.headers(1, true, H2Wire.get("/", "te", "trailers", "host", "localhost", "accept-encoding", "gzip",
                "user-agent", "t/1", "cookie", "a=b", "content-type", "text/plain", "x-custom", "1"));
            assertEquals("HEADERS(200) DATA END_STREAM", h2.outcome(1));
            h2.headers(3, true, ":method", "OPTIONS", ":scheme", "http", ":path", "*", ":authority", "a");
            String options = h2.outcome(3); // no location matches "*": 404, but an answer, not a reset
            assertTrue(options.startsWith("HEADERS(404)"), options);
        }
    }

    @Test
    void pseudoHeadersInTrailersAreAStreamError() throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            // To a handler that reads the body: a plain answer could go out before the trailers arrive.
            h2.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/read", ":authority", "a");
            h2.headers(1, true, ":path", "/x");
            assertEquals("RST_STREAM(PROTOCOL_ERROR)", h2.outcome(1)); // Jetty alone: CANCEL
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 7})
    void contentLengthNotMatchingTheDataIsAStreamError(int sent) throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            // A handler that reads the body: a plain answer could go out before the DATA arrives.
            h2.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/read", ":authority", "a", "content-length", "5");
            h2.data(1, true, new byte[sent]);
            assertEquals("RST_STREAM(PROTOCOL_ERROR)", h2.outcome(1));
        }
    }

    @Test
    void headersOnAClosedStreamAreAConnectionErrorStreamClosed() throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            h2.headers(1, true, H2Wire.get("/"));
            assertEquals("HEADERS(200) DATA END_STREAM", h2.outcome(1));
            h2.headers(1, true, H2Wire.get("/"));
            assertTrue(h2.trace(Math.max(10_000, 2000)).startsWith("GOAWAY(STREAM_CLOSED)"));
        }
    }

    @Test
    void dataOnAnIdleStreamIsAConnectionErrorProtocolError() throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            h2.data(3, true, new byte[3]);
            assertTrue(h2.trace(Math.max(10_000, 2000)).startsWith("GOAWAY(PROTOCOL_ERROR)"));
        }
    }

    @Test
    void aFrameOverMaxFrameSizeIsFrameSizeError() throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            h2.headers(1, false, POST);
            h2.data(1, false, new byte[16385]);
            String trace = h2.trace(Math.max(10_000, 2000));
            assertTrue(trace.contains("GOAWAY(FRAME_SIZE_ERROR)"), trace);
        }
    }

    static Stream<Arguments> connectionErrors() {
        return Stream.of(
            Arguments.of("WINDOW_UPDATE past 2^31-1", H2Wire.WINDOW_UPDATE, 0, 0, ByteBuffer.allocate(4).putInt(0x7fffffff).array(),
                "FLOW_CONTROL_ERROR"),
            Arguments.of("WINDOW_UPDATE of 0", H2Wire.WINDOW_UPDATE, 0, 0, new byte[4], "PROTOCOL_ERROR"),
            Arguments.of("SETTINGS of 5 bytes", H2Wire.SETTINGS, 0, 0, new byte[5], "FRAME_SIZE_ERROR"),
            Arguments.of("SETTINGS_ENABLE_PUSH=2", H2Wire.SETTINGS, 0, 0, setting(2, 2), "PROTOCOL_ERROR"),
            Arguments.of("SETTINGS_INITIAL_WINDOW_SIZE=2^31", H2Wire.SETTINGS, 0, 0, setting(4, 0x80000000L), "FLOW_CONTROL_ERROR"),
            Arguments.of("SETTINGS_MAX_FRAME_SIZE=100", H2Wire.SETTINGS, 0, 0, setting(5, 100), "PROTOCOL_ERROR"),
            Arguments.of("SETTINGS on a stream", H2Wire.SETTINGS, 0, 1, new byte[0], "PROTOCOL_ERROR"),
            Arguments.of("SETTINGS ACK with a payload", H2Wire.SETTINGS, 1, 0, setting(3, 1), "FRAME_SIZE_ERROR"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("connectionErrors")
    void connectionErrorsCarryTheCodesOfSection6(String name, int type, int flags, int stream, byte[] payload, String code)
        throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            h2.frame(type, flags, stream, payload);
            String trace = h2.trace(Math.max(10_000, 2000));
            assertTrue(trace.startsWith("GOAWAY(" + code + ")"), name + ": " + trace);
        }
    }

    @Test
    void anAnswerBeforeTheRequestEndsIsFollowedByRstStreamNoError() throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            h2.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/", ":authority", "a", "content-length", "100000");
            h2.data(1, false, new byte[1000]);
            assertEquals("HEADERS#1(200) DATA#1! RST_STREAM#1(NO_ERROR)", h2.trace(Math.max(10_000, 2000)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", "PRI * HTTP/2.0\r\nHost: x\r\n\r\nSM\r\n\r\n",
        "PRI / HTTP/2.0\r\n\r\nSM\r\n\r\n", "PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n"})
    void anInvalidPrefaceGetsGoawayOrACloseNeverAnHttp1Page(String preface) throws Exception {
        try (Socket s = new Socket("127.0.0.1", nproxy.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(preface.getBytes(StandardCharsets.US_ASCII));
            String answer;
            try {
                answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (IOException reset) {
                answer = "";
            }
            assertFalse(answer.startsWith("HTTP/"), answer);
            assertTrue(answer.isEmpty() || answer.contains("invalid_preface"), answer);
        }
    }

    private static byte[] setting(int id, long value) {
        return ByteBuffer.allocate(6).putShort((short) id).putInt((int) value).array();
    }
}
