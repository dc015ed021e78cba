package org.nproxy.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/** Nothing outside the root, hidden files, symlinks, and files that change while being sent. */
class SafetyIT {
    static final String SECRET = "TOP-SECRET-OUTSIDE-ROOT";
    static NproxyFixture nproxy;

    @BeforeAll
    static void start() throws Exception {
        Path base = Files.createTempDirectory("nproxy-static");
        StaticSiteIT.write(base, "secret.txt", SECRET);
        StaticSiteIT.write(base, "outside/secret.txt", SECRET);
        StaticSiteIT.write(base, "www/hello.txt", "hello");
        StaticSiteIT.write(base, "www/sub/inner.txt", "inner");
        StaticSiteIT.write(base, "www/.env", "DB_PASSWORD=" + SECRET);
        StaticSiteIT.write(base, "www/.git/config", SECRET);
        StaticSiteIT.write(base, "www/sub/.htpasswd", SECRET);
        StaticSiteIT.write(base, "www/.well-known/security.txt", "Contact: x");
        StaticSiteIT.write(base, "www/%2e%2e/secret.txt", "literal-percent-dir");
        Files.createSymbolicLink(base.resolve("www/link-out"), base.resolve("outside"));
        Files.createSymbolicLink(base.resolve("www/link-file-out.txt"), base.resolve("secret.txt"));
        Files.createSymbolicLink(base.resolve("www/link-in.txt"), base.resolve("www/sub/inner.txt"));
        Files.createSymbolicLink(base.resolve("www/link-dir-in"), base.resolve("www/sub"));
        nproxy = NproxyFixture.start(base, """
            <nproxy><server><listen host="127.0.0.1" port="0"/>
              <location path="/"><static root="www"/></location>
              <location path="/trusting/"><static alias="www" symlinks="any" hidden-files="true"/></location>
              <location path="/copy/"><static alias="www" sendfile="off"/></location>
            </server></nproxy>""");
    }

    @AfterAll
    static void stop() throws Exception {
        nproxy.close();
        StaticSiteIT.deleteTree(nproxy.base());
    }

    /** Hostile request targets, sent byte for byte; none may yield anything from outside www/. */
    @ParameterizedTest
    @ValueSource(strings = {
        "/../secret.txt",
        "/../../../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/sub/../../secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "/sub\\..\\..\\secret.txt",
        "/hello.txt%00.html",
        "/%00/../secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%af..%c0%afsecret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/%c1%9c..%c1%9csecret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "//../secret.txt",
        "/./../secret.txt",
        "/..;/secret.txt",
        "/sub/..;/..;/secret.txt",
        "/%252e%252e/%252e%252e/secret.txt",
        "/..%252fsecret.txt",
        "/%u002e%u002e/secret.txt",
        "/link-out/secret.txt",
        "/link-file-out.txt",
        "/.env",
        "/.git/config",
        "/sub/.htpasswd",
        "/%2eenv",
        "/copy/../secret.txt",
        "/copy/%2e%2e/secret.txt",
        "/copy/link-out/secret.txt",
        "/copy/.env",
    })
    void hostilePathsNeverLeaveTheRoot(String target) throws Exception {
        String response = Http.get(nproxy.port(), target, "localhost");
        int status = Http.status(response);
        assertTrue(Set.of(400, 403, 404).contains(status), target + " answered " + status + ":\n" + response);
        assertFalse(response.contains(SECRET), target + " leaked:\n" + response);
        assertFalse(response.contains("root:"), target + " leaked /etc/passwd");
    }

    @Test
    void hiddenFilesAndSymlinks() throws Exception {
        try (RawClient c = new RawClient(nproxy.port())) {
            assertEquals(403, c.get("/.env").status());
            assertEquals(403, c.get("/.git/config").status());
            assertEquals(200, c.get("/.well-known/security.txt").status());
            assertEquals(403, c.get("/link-file-out.txt").status());
            assertEquals(403, c.get("/link-out/secret.txt").status());
            assertEquals("inner", c.get("/link-in.txt").text(), "symlinks inside the root are fine");
            assertEquals("inner", c.get("/link-dir-in/inner.txt").text());
            // An operator who opts in gets both.
            assertEquals(SECRET, c.get("/trusting/link-out/secret.txt").text());
            assertEquals("DB_PASSWORD=" + SECRET, c.get("/trusting/.env").text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/copy/"})
    void fileShrinkingWhileSentClosesTheConnection(String prefix) throws Exception {
        Path file = nproxy.base().resolve("www/shrinking-" + prefix.length() + ".bin");
        int size = 64 * 1024 * 1024;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        try (Socket socket = new Socket("127.0.0.1", nproxy.port())) {
            socket.setSoTimeout(20_000);
            socket.setReceiveBufferSize(64 * 1024);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + prefix + file.getFileName() + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = new byte[512];
            int n = in.read(head);
            String headers = new String(head, 0, n, StandardCharsets.ISO_8859_1);
            assertTrue(headers.contains("Content-Length: " + size), headers);
            // The server is now blocked on a full socket; cut the file short under it.
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(1024 * 1024);
            }
            long received = n - (headers.indexOf("\r\n\r\n") + 4);
            byte[] buffer = new byte[256 * 1024];
            for (int r; (r = in.read(buffer)) >= 0; ) {
                received += r;
            }
            assertTrue(received < size, "received " + received + " of a promised " + size + " and then EOF");
        }
        // And the server keeps serving.
        try (RawClient c = new RawClient(nproxy.port())) {
            assertEquals("hello", c.get(prefix + "hello.txt").text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/copy/"})
    void fileGrowingWhileSentKeepsTheAnnouncedLength(String prefix) throws Exception {
        Path file = nproxy.base().resolve("www/growing-" + prefix.length() + ".bin");
        int size = 8 * 1024 * 1024;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        try (RawClient c = new RawClient(nproxy.port())) {
            Thread grower = Thread.ofVirtual().start(() -> {
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength(size * 2L);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            RawClient.Reply r;
            try {
                r = c.get(prefix + file.getFileName());
            } catch (java.io.IOException closed) {
                // Also safe: the change was seen before anything was sent, so the connection was
                // closed instead of announcing a length that might not hold.
                grower.join();
                try (RawClient fresh = new RawClient(nproxy.port())) {
                    assertEquals("hello", fresh.get(prefix + "hello.txt").text());
                }
                return;
            }
            grower.join();
            assertEquals(Long.parseLong(r.header("Content-Length")), r.body().length);
            assertEquals("hello", c.get(prefix + "hello.txt").text(), "the next response starts where it should");
        }
    }
}
