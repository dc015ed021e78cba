package org.nproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The head rewriting of {@link ResponseHeads}: RFC 9112 section 6.3 rules 3 and 4, lengths kept. */
class ResponseHeadsTest {
    private static String rewrite(String head) {
        byte[] a = head.getBytes(StandardCharsets.ISO_8859_1);
        ResponseHeads.Head h = ResponseHeads.scan(ByteBuffer.wrap(a), 0, a.length);
        assertTrue(h.complete(), head);
        assertEquals(a.length, h.end());
        return new String(a, StandardCharsets.ISO_8859_1);
    }

    @Test
    void aCodingNotEndingInChunkedIsRenamedAndContentLengthIgnored() {
        assertEquals("HTTP/1.1 200 OK\r\nNproxy-TE-Codings: gzip\r\nNproxy-Ignored: 12\r\n\r\n",
            rewrite("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 12\r\n\r\n"));
        assertEquals("HTTP/1.1 200 OK\r\nNproxy-TE-Codings: chunked\r\nNproxy-TE-Codings: gzip\r\n\r\n",
            rewrite("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nTRANSFER-ENCODING: gzip\r\n\r\n"));
        assertEquals("HTTP/1.1 200 OK\nNproxy-TE-Codings: chunked, gzip\n\n",
            rewrite("HTTP/1.1 200 OK\nTransfer-Encoding: chunked, gzip\n\n"), "bare LF line ends");
    }

    @Test
    void chunkedLastWithContentLengthClosesTheConnection() {
        assertEquals("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection:   close\r\n\r\n",
            rewrite("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 100\r\n\r\n"));
        assertEquals("HTTP/1.1 200 OK\r\nConnection:close\r\nTransfer-Encoding: chunked\r\n\r\n",
            rewrite("HTTP/1.1 200 OK\r\nContent-Length:0\r\nTransfer-Encoding: chunked\r\n\r\n"));
    }

    @Test
    void ordinaryHeadsAreUntouchedAndSpoofedNamesNeutralised() {
        String plain = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Transfer-Encoding: gzip\r\n\r\n";
        assertEquals(plain, rewrite(plain));
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertEquals(chunked, rewrite(chunked));
        assertEquals("HTTP/1.1 200 OK\r\nNproxy-Ignored-TE: gzip\r\nContent-Length: 1\r\n\r\n",
            rewrite("HTTP/1.1 200 OK\r\nNproxy-TE-Codings: gzip\r\nContent-Length: 1\r\n\r\n"));
    }

    @Test
    void aDirectBufferIsRewrittenInPlaceAtAnOffset() {
        byte[] head = "xxHTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody".getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer direct = ByteBuffer.allocateDirect(head.length).put(head).flip();
        ResponseHeads.Head h = ResponseHeads.scan(direct, 2, head.length);
        assertEquals(head.length - 4, h.end());
        byte[] out = new byte[head.length];
        direct.get(out);
        assertEquals("xxHTTP/1.1 200 OK\r\nNproxy-TE-Codings: gzip\r\n\r\nbody", new String(out, StandardCharsets.ISO_8859_1));
    }

    @Test
    void interimHeadsAreLeftAndIncompleteOrForeignBytesRecognised() {
        byte[] a = "HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: gzip\r\n\r\nHTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ResponseHeads.Head h = ResponseHeads.scan(ByteBuffer.wrap(a), 0, a.length);
        assertTrue(h.interim());
        assertTrue(new String(a, StandardCharsets.ISO_8859_1).contains("Transfer-Encoding: gzip"));
        assertSame(ResponseHeads.Head.INCOMPLETE, ResponseHeads.scan(ByteBuffer.wrap(a), h.end(), a.length));
        assertSame(ResponseHeads.Head.INCOMPLETE, ResponseHeads.scan(ByteBuffer.wrap(a), 0, 3));
        byte[] junk = "hello\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertSame(ResponseHeads.Head.NOT_A_HEAD, ResponseHeads.scan(ByteBuffer.wrap(junk), 0, junk.length));
    }
}
