package org.nproxy.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.NproxyFixture;

/** Mapping rules: root, alias, index, try-files, autoindex, MIME, charset, methods, cache headers. */
class StaticSiteIT {
    static NproxyFixture nproxy;

    @BeforeAll
    static void start() throws Exception {
        Path base = Files.createTempDirectory("nproxy-static");
        write(base, "www/hello.txt", "hello world\n");
        write(base, "www/index.html", "<h1>home</h1>");
        write(base, "www/docs/index.html", "<h1>docs</h1>");
        write(base, "www/noindex/a.txt", "a");
        write(base, "www/noindex/<b>&.txt", "b");
        write(base, "www/noindex/.secret", "s");
        write(base, "www/app.wasm", "\0asm");
        write(base, "www/data.json", "{}");
        write(base, "www/logo.png", "png");
        write(base, "www/blob.unknownext", "x");
        write(base, "www/spa/index.html", "<h1>spa</h1>");
        write(base, "www/spa/real.js", "console.log(1)");
        write(base, "www/list/sub/x.txt", "x");
        write(base, "www/list/y.txt", "y");
        write(base, "assets-dir/app.foo", "foo!");
        write(base, "assets-dir/style.css", "body{}");
        nproxy = NproxyFixture.start(base, """
            <nproxy><server><listen host="127.0.0.1" port="0"/>
              <location path="/"><static root="www" cache-control="public, max-age=60"/></location>
              <location path="^~ /assets/">
                <static alias="assets-dir" expires="1h" charset="off">
                  <type extensions="foo .FOO2" type="application/x-foo"/>
                </static>
              </location>
              <location path="/spa/"><static root="www" try-files="$uri $uri/ /spa/index.html"/></location>
              <location path="/list/"><static root="www" autoindex="true"/></location>
              <location path="/strict/"><static root="www" try-files="$uri =410"/></location>
            </server></nproxy>""");
    }

    @AfterAll
    static void stop() throws Exception {
        nproxy.close();
        deleteTree(nproxy.base());
    }

    /** Removes a test's base directory (symlinks are removed, never followed). */
    static void deleteTree(Path root) throws java.io.IOException {
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static void write(Path base, String rel, String content) throws Exception {
        Path p = base.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void servesFileWithRepresentationHeaders() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply r = c.get("/hello.txt");
            assertEquals(200, r.status());
            assertEquals("hello world\n", r.text());
            assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
            assertEquals("12", r.header("Content-Length"));
            assertEquals("bytes", r.header("Accept-Ranges"));
            assertEquals("public, max-age=60", r.header("Cache-Control"));
            assertTrue(r.header("ETag").matches("\"[0-9a-f]+-c\""), r.header("ETag"));
            assertNotNull(r.header("Last-Modified"));
            assertNull(r.header("Vary"));
        }
    }

    @Test
    void headHasHeadersNoBodyAndKeepsConnection() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply head = c.send("HEAD", "/hello.txt");
            assertEquals(200, head.status());
            assertEquals("12", head.header("Content-Length"));
            RawClient.Reply next = c.get("/index.html");
            assertEquals("<h1>home</h1>", next.text());
        }
    }

    @Test
    void indexAndDirectoryRedirect() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            assertEquals("<h1>home</h1>", c.get("/").text());
            RawClient.Reply redirect = c.get("/docs?x=1");
            assertEquals(301, redirect.status());
            assertEquals("/docs/?x=1", redirect.header("Location"));
            assertEquals("<h1>docs</h1>", c.get("/docs/").text());
            assertEquals(403, c.get("/noindex/").status());
            assertEquals(404, c.get("/missing.txt").status());
        }
    }

    @Test
    void onlyGetAndHead() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply r = c.send("POST", "/hello.txt", "Content-Length: 0");
            assertEquals(405, r.status());
            assertEquals("GET, HEAD", r.header("Allow"));
        }
    }

    @Test
    void mimeTableAndCharset() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            assertEquals("application/wasm", c.get("/app.wasm").header("Content-Type"));
            assertEquals("application/json; charset=utf-8", c.get("/data.json").header("Content-Type"));
            assertEquals("image/png", c.get("/logo.png").header("Content-Type"));
            assertEquals("application/octet-stream", c.get("/blob.unknownext").header("Content-Type"));
            assertEquals("text/html; charset=utf-8", c.get("/index.html").header("Content-Type"));
        }
    }

    @Test
    void aliasReplacesLocationPrefixAndConfigExtendsMime() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply r = c.get("/assets/app.foo");
            assertEquals(200, r.status());
            assertEquals("foo!", r.text());
            assertEquals("application/x-foo", r.header("Content-Type"));
            assertEquals("max-age=3600", r.header("Cache-Control"));
            assertNotNull(r.header("Expires"));
            assertEquals("text/css", c.get("/assets/style.css").header("Content-Type"), "charset=off");
            assertEquals(404, c.get("/assets/hello.txt").status(), "alias must not fall back to the root");
        }
    }

    @Test
    void tryFilesFallsBackForSinglePageApps() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            assertEquals("console.log(1)", c.get("/spa/real.js").text());
            RawClient.Reply route = c.get("/spa/users/42");
            assertEquals(200, route.status());
            assertEquals("<h1>spa</h1>", route.text());
            assertEquals("text/html; charset=utf-8", route.header("Content-Type"));
            assertEquals(410, c.get("/strict/nothing").status());
        }
    }

    @Test
    void autoindexListsEscapedNamesAndHidesHiddenFiles() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply r = c.get("/list/");
            assertEquals(200, r.status());
            assertTrue(r.text().contains("href=\"sub/\""), r.text());
            assertTrue(r.text().contains("y.txt"), r.text());
            RawClient.Reply escaped = c.get("/noindex/");
            assertEquals(403, escaped.status(), "autoindex is off by default");
        }
        Path listed = nproxy.base().resolve("www/list");
        Files.writeString(listed.resolve("<script>.txt"), "z");
        Files.writeString(listed.resolve(".hidden"), "h");
        try (RawClient c = new RawClient(nproxy.port())) {
            String html = c.get("/list/").text();
            assertTrue(html.contains("&lt;script&gt;.txt"), html);
            assertFalse(html.contains("<script>"), html);
            assertFalse(html.contains(".hidden"), html);
        }
    }

    @Test
    void bodyIsTheFileBytes() throws Exception {
        byte[] bytes = new byte[300_000];
        new java.util.Random(7).nextBytes(bytes);
        Files.write(nproxy.base().resolve("www/random.bin"), bytes);
        try (RawClient c = new RawClient(nproxy.port())) {
            RawClient.Reply r = c.get("/random.bin");
            assertArrayEquals(bytes, r.body());
            assertEquals("application/octet-stream", r.header("Content-Type"));
            assertEquals("ok", new String(c.get("/hello.txt").body(), StandardCharsets.UTF_8).isEmpty() ? "" : "ok");
        }
    }
}
