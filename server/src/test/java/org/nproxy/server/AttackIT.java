package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nproxy.testing.H2Wire;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * Issue 18: the classic attacks, on raw sockets, pinned so that they keep failing: request
 * smuggling through ambiguous framing (400, one answer only), 414, and the HTTP/2 floods
 * (rapid reset, CONTINUATION, HPACK amplification) that must end the connection. Listed with
 * the answers in docs/security.md.
 */
class AttackIT {
    static NproxyFixture nproxy;

    @BeforeAll
    static void start() throws Exception {
        nproxy = NproxyFixture.start("""
            <nproxy><server><listen host="127.0.0.1" port="0" protocols="http/1.1 h2c"/>
              <location path="/"><return body="ok"/></location>
            </server></nproxy>""");
    }

    @AfterAll
    static void stop() throws Exception {
        nproxy.close();
    }

    /** Each carries a second request inside; a server that frames it differently answers twice. */
    @ParameterizedTest
    @ValueSource(strings = {
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 31\r\n\r\nhelloGET /x HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello"})
    void ambiguousFramingIs400AndNothingElse(String raw) throws Exception {
        String answer = Http.exchange(nproxy.port(), raw);
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, "one answer only: " + answer);
    }

    @Test
    void aRequestLineLongerThanTheHeaderLimitIs414() throws Exception {
        String answer = Http.exchange(nproxy.port(), "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: a\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 414 "), answer);
    }

    @Test
    void rapidResetEndsWithGoawayEnhanceYourCalm() throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            try {
                for (int i = 0; i < 2000; i++) {
                    h2.headers(1 + 2 * i, false, H2Wire.get("/"));
                    h2.frame(H2Wire.RST_STREAM, 0, 1 + 2 * i, new byte[] {0, 0, 0, 8});
                }
            } catch (IOException closedWhileSending) {
                // the server may already have closed
            }
            String trace = h2.trace(Math.max(10_000, 3000));
            assertTrue(trace.contains("GOAWAY(ENHANCE_YOUR_CALM)") || trace.endsWith("CLOSED"), trace);
            assertTrue(trace.split("HEADERS#", -1).length - 1 < 100, "served " + trace);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 60})
    void continuationFloodIsCut(int fieldBytes) throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            h2.frame(H2Wire.HEADERS, 0, 1, H2Wire.block(H2Wire.get("/")));
            int sent = 0;
            try {
                for (; sent < 100_000; sent++) {
                    byte[] block = fieldBytes == 0 ? new byte[0] : H2Wire.block("x-a" + sent, "b".repeat(fieldBytes));
                    h2.frame(H2Wire.CONTINUATION, 0, 1, block);
                }
            } catch (IOException closed) {
                // expected: the server stops reading long before
            }
            assertTrue(sent < 100_000, "the server never cut the CONTINUATION flood");
            String trace = h2.trace(Math.max(10_000, 3000));
            assertTrue(trace.endsWith("CLOSED") && !trace.contains("HEADERS#"), trace);
        }
    }

    @Test
    void hpackAmplificationIsAConnectionError() throws Exception {
        try (H2Wire h2 = H2Wire.open(nproxy.port())) {
            // One 4000-byte field put in the dynamic table, then referenced 1000 times (4 MB decoded).
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(H2Wire.block(H2Wire.get("/")));
            byte[] literal = H2Wire.block("x-bomb", "z".repeat(4000));
            block.write(0x40); // literal with incremental indexing, new name
            block.write(literal, 1, literal.length - 1);
            for (int i = 0; i < 1000; i++) {
                block.write(0x80 | 62); // the first dynamic table entry
            }
            h2.frame(H2Wire.HEADERS, H2Wire.END_HEADERS | H2Wire.END_STREAM, 1, block.toByteArray());
            String trace = h2.trace(Math.max(10_000, 3000));
            assertTrue(trace.startsWith("GOAWAY(") || trace.startsWith("RST_STREAM#1") || trace.startsWith("HEADERS#1(431)"), trace);
        }
    }
}
