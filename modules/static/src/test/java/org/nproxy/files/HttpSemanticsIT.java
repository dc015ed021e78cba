package org.nproxy.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nproxy.testing.NproxyFixture;

/**
 * Validators, conditionals, ranges and precompressed siblings, on both body paths: "/" is
 * cleartext HTTP/1.1 with sendfile, "/copy/" is the same files through the copying path that
 * TLS, h2 and h3 use.
 */
class HttpSemanticsIT {
    static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz";
    static NproxyFixture nproxy;

    @BeforeAll
    static void start() throws Exception {
        Path base = Files.createTempDirectory("nproxy-static");
        StaticSiteIT.write(base, "www/abc.txt", ALPHABET);
        StaticSiteIT.write(base, "www/app.js", "plain");
        StaticSiteIT.write(base, "www/app.js.gz", "gzipped");
        StaticSiteIT.write(base, "www/app.js.br", "brotli");
        StaticSiteIT.write(base, "www/only.css", "css");
        StaticSiteIT.write(base, "www/only.css.gz", "css-gz");
        nproxy = NproxyFixture.start(base, """
            <nproxy><server><listen host="127.0.0.1" port="0"/>
              <location path="/"><static root="www" precompressed="br gzip"/></location>
              <location path="/copy/"><static alias="www" precompressed="br gzip" sendfile="off" chunk-size="4k"/></location>
            </server></nproxy>""");
    }

    @AfterAll
    static void stop() throws Exception {
        nproxy.close();
        StaticSiteIT.deleteTree(nproxy.base());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/copy/"})
    void conditionals(String prefix) throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply full = c.get(prefix + "abc.txt");
            String etag = full.header("ETag");
            String lastModified = full.header("Last-Modified");
            RawClient.Reply inm = c.get(prefix + "abc.txt", "If-None-Match: \"x\", " + etag);
            assertEquals(304, inm.status());
            assertEquals(etag, inm.header("ETag"));
            assertEquals(0, inm.body().length);
            assertEquals(304, c.get(prefix + "abc.txt", "If-None-Match: W/" + etag).status(), "weak comparison");
            assertEquals(304, c.get(prefix + "abc.txt", "If-None-Match: *").status());
            assertEquals(200, c.get(prefix + "abc.txt", "If-None-Match: \"other\"").status());
            assertEquals(304, c.get(prefix + "abc.txt", "If-Modified-Since: " + lastModified).status());
            assertEquals(200, c.get(prefix + "abc.txt", "If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT").status());
            assertEquals(200, c.get(prefix + "abc.txt", "If-None-Match: \"other\"",
                "If-Modified-Since: " + lastModified).status(), "If-None-Match wins over If-Modified-Since");
            assertEquals(412, c.get(prefix + "abc.txt", "If-Match: \"other\"").status());
            assertEquals(412, c.get(prefix + "abc.txt", "If-Match: W/" + etag).status(), "strong comparison");
            assertEquals(200, c.get(prefix + "abc.txt", "If-Match: " + etag).status());
            assertEquals(412, c.get(prefix + "abc.txt", "If-Unmodified-Since: Thu, 01 Jan 1998 00:00:00 GMT").status());
            assertEquals(200, c.get(prefix + "abc.txt", "If-Unmodified-Since: " + lastModified).status());
            assertEquals(ALPHABET, c.get(prefix + "abc.txt").text(), "connection still in step");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/copy/"})
    void singleRanges(String prefix) throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply first = c.get(prefix + "abc.txt", "Range: bytes=0-4");
            assertEquals(206, first.status());
            assertEquals("abcde", first.text());
            assertEquals("bytes 0-4/26", first.header("Content-Range"));
            assertEquals("5", first.header("Content-Length"));
            assertEquals("xyz", c.get(prefix + "abc.txt", "Range: bytes=-3").text());
            assertEquals("wxyz", c.get(prefix + "abc.txt", "Range: bytes=22-").text());
            assertEquals("yz", c.get(prefix + "abc.txt", "Range: bytes=24-1000").text());
            RawClient.Reply unsatisfiable = c.get(prefix + "abc.txt", "Range: bytes=26-");
            assertEquals(416, unsatisfiable.status());
            assertEquals("bytes */26", unsatisfiable.header("Content-Range"));
            assertEquals(200, c.get(prefix + "abc.txt", "Range: bytes=abc").status(), "bad syntax is ignored");
            assertEquals(200, c.get(prefix + "abc.txt", "Range: items=0-1").status());
            assertEquals(200, c.get(prefix + "abc.txt", "Range: bytes=5-1").status());
            RawClient.Reply head = c.send("HEAD", prefix + "abc.txt", "Range: bytes=0-4");
            assertEquals(200, head.status(), "Range applies to GET only");
            assertEquals(ALPHABET, c.get(prefix + "abc.txt").text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/copy/"})
    void ifRange(String prefix) throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply full = c.get(prefix + "abc.txt");
            RawClient.Reply match = c.get(prefix + "abc.txt", "Range: bytes=0-1", "If-Range: " + full.header("ETag"));
            assertEquals(206, match.status());
            assertEquals("ab", match.text());
            RawClient.Reply stale = c.get(prefix + "abc.txt", "Range: bytes=0-1", "If-Range: \"stale\"");
            assertEquals(200, stale.status());
            assertEquals(ALPHABET, stale.text());
            RawClient.Reply date = c.get(prefix + "abc.txt", "Range: bytes=0-1", "If-Range: " + full.header("Last-Modified"));
            assertEquals(206, date.status());
            RawClient.Reply oldDate = c.get(prefix + "abc.txt", "Range: bytes=0-1",
                "If-Range: Thu, 01 Jan 1998 00:00:00 GMT");
            assertEquals(200, oldDate.status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/copy/"})
    void multipleRangesAreMultipartByteranges(String prefix) throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply r = c.get(prefix + "abc.txt", "Range: bytes=0-1, 4-5, -2");
            assertEquals(206, r.status());
            String type = r.header("Content-Type");
            assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
            String boundary = type.substring(type.indexOf('=') + 1);
            String body = r.text();
            assertEquals(Integer.parseInt(r.header("Content-Length")), r.body().length);
            String expected = "\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/26\r\n\r\nab"
                + "\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 4-5/26\r\n\r\nef"
                + "\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 24-25/26\r\n\r\nyz"
                + "\r\n--" + boundary + "--\r\n";
            assertEquals(expected, body);
            assertEquals(ALPHABET, c.get(prefix + "abc.txt").text(), "connection still in step");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/copy/"})
    void precompressedSiblings(String prefix) throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply gz = c.get(prefix + "app.js", "Accept-Encoding: gzip");
            assertEquals("gzipped", gz.text());
            assertEquals("gzip", gz.header("Content-Encoding"));
            assertEquals("Accept-Encoding", gz.header("Vary"));
            assertEquals("text/javascript; charset=utf-8", gz.header("Content-Type"));
            RawClient.Reply br = c.get(prefix + "app.js", "Accept-Encoding: gzip, deflate, br");
            assertEquals("brotli", br.text());
            assertEquals("br", br.header("Content-Encoding"));
            RawClient.Reply identity = c.get(prefix + "app.js");
            assertEquals("plain", identity.text());
            assertNull(identity.header("Content-Encoding"));
            assertEquals("Accept-Encoding", identity.header("Vary"));
            assertEquals("gzipped", c.get(prefix + "app.js", "Accept-Encoding: br;q=0, gzip;q=0.5").text());
            assertEquals("plain", c.get(prefix + "app.js", "Accept-Encoding: br;q=0, gzip;q=0").text());
            assertEquals("css-gz", c.get(prefix + "only.css", "Accept-Encoding: br, gzip").text());
            RawClient.Reply noSibling = c.get(prefix + "abc.txt", "Accept-Encoding: br, gzip");
            assertEquals(ALPHABET, noSibling.text());
            assertNull(noSibling.header("Vary"));
            String gzTag = gz.header("ETag");
            assertTrue(!gzTag.equals(identity.header("ETag")), "each encoding has its own ETag");
            assertEquals(304, c.get(prefix + "app.js", "Accept-Encoding: gzip", "If-None-Match: " + gzTag).status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/copy/"})
    void largeBodyThenKeepAlive(String prefix) throws Exception {
        byte[] bytes = new byte[5 * 1024 * 1024 + 17];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 11));
        }
        Files.write(nproxy.base().resolve("www/large.bin"), bytes);
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply r = c.get(prefix + "large.bin");
            assertEquals(200, r.status());
            assertArrayEquals(bytes, r.body());
            RawClient.Reply range = c.get(prefix + "large.bin", "Range: bytes=1000000-3999999");
            assertArrayEquals(Arrays.copyOfRange(bytes, 1_000_000, 4_000_000), range.body());
            assertEquals(ALPHABET, new String(c.get(prefix + "abc.txt").body(), StandardCharsets.UTF_8));
        }
    }
}
