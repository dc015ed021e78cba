package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;

/**
 * Issue 18, bullet 1: the proxy does not alter messages. What the client sent about encodings
 * and content types reaches the origin as sent, and an encoded answer reaches the client byte
 * for byte with its {@code Content-Encoding}, {@code Content-Length} and {@code ETag}.
 */
class MessageIntegrityIT {
    @Test
    void requestsAndEncodedAnswersPassUnchanged() throws Exception {
        try (RawOrigin origin = new RawOrigin(); Rig nproxy = Rig.start(Proxies.simple(origin.address()))) {
            // 4 MiB of zeros compress to a few KiB: decoded, the client would get 4 MiB.
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(new byte[4 << 20]);
            }
            byte[] gzipped = gz.toByteArray();
            origin.answer("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Encoding: gzip\r\n"
                + "ETag: \"z1\"\r\nContent-Length: " + gzipped.length + "\r\nConnection: close\r\n\r\n", gzipped);

            // No Accept-Encoding from the client: none upstream (Jetty's client would add gzip).
            String raw = Http.exchange(nproxy.port(), "GET /z HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertNull(origin.next().header("Accept-Encoding"));
            assertEquals(200, Http.status(raw));
            String head = raw.substring(0, raw.indexOf("\r\n\r\n")).toLowerCase();
            assertEquals(true, head.contains("content-encoding: gzip"), head);
            assertEquals(true, head.contains("content-length: " + gzipped.length), head);
            assertEquals(true, head.contains("etag: \"z1\""), head);
            assertArrayEquals(gzipped, Http.body(raw).getBytes(StandardCharsets.ISO_8859_1));

            // The client's own Accept-Encoding, exactly as sent.
            Http.exchange(nproxy.port(), "GET /z HTTP/1.1\r\nHost: a\r\nAccept-Encoding: br;q=1, identity;q=0.5\r\n"
                + "Connection: close\r\n\r\n");
            assertEquals("br;q=1, identity;q=0.5", origin.next().header("Accept-Encoding"));

            // A body without Content-Type gets none added (no application/octet-stream).
            origin.answer("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", new byte[0]);
            raw = Http.exchange(nproxy.port(), "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                + "Connection: close\r\n\r\nhello");
            assertEquals(204, Http.status(raw));
            RawOrigin.Received post = origin.next();
            assertNull(post.header("Content-Type"), post.head());
            assertEquals("hello", new String(post.body(), StandardCharsets.UTF_8));
            // and one with a Content-Type keeps it as sent
            Http.exchange(nproxy.port(), "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
                + "Content-Type: text/x-odd;charset=latin1\r\nConnection: close\r\n\r\nhi");
            assertEquals("text/x-odd;charset=latin1", origin.next().header("Content-Type"));
        }
    }
}
