package org.nproxy.files.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The guard on its own, fed already-decoded paths that Jetty would normally reject first: it
 * must hold even if the URI compliance mode is relaxed.
 */
class PathGuardTest {
    static Path base;
    static PathGuard guard;

    @BeforeAll
    static void files() throws Exception {
        base = Files.createTempDirectory("guard");
        Files.createDirectories(base.resolve("www/sub"));
        Files.writeString(base.resolve("www/sub/a.txt"), "a");
        Files.writeString(base.resolve("secret.txt"), "s");
        Files.createSymbolicLink(base.resolve("www/out"), base.resolve("secret.txt"));
        guard = new PathGuard(base.resolve("www").toRealPath(), false, false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../secret.txt", "/sub/../../secret.txt", "/..", "/./sub/a.txt", "/sub/..",
        "/..\\secret.txt", "/sub\\a.txt", "/a.txt\0.html", "/\u0001", "/\u007f", "/\uFFFD\uFFFD/secret.txt"})
    void badNames(String decoded) {
        assertInstanceOf(PathGuard.Bad.class, guard.lookup(decoded), decoded);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.env", "/.git/config", "/sub/.htpasswd", "/.well-known/../.env", "/out"})
    void forbidden(String decoded) {
        PathGuard.Lookup lookup = guard.lookup(decoded);
        if (decoded.contains("..")) {
            assertInstanceOf(PathGuard.Bad.class, lookup);
        } else {
            assertInstanceOf(PathGuard.Forbidden.class, lookup, decoded);
        }
    }

    @Test
    void rootThatIsASymlinkCanBeSwitched() throws Exception {
        Path releases = Files.createTempDirectory("releases");
        Files.createDirectories(releases.resolve("v1"));
        Files.createDirectories(releases.resolve("v2"));
        Files.writeString(releases.resolve("v1/app.js"), "1");
        Files.writeString(releases.resolve("v2/app.js"), "2");
        Path current = releases.resolve("current");
        Files.createSymbolicLink(current, releases.resolve("v1"));
        PathGuard switching = new PathGuard(current, false, false);
        PathGuard.Found v1 = assertInstanceOf(PathGuard.Found.class, switching.lookup("/app.js"));
        assertEquals("1", Files.readString(v1.real()));
        Path next = releases.resolve("next");
        Files.createSymbolicLink(next, releases.resolve("v2"));
        Files.move(next, current, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        PathGuard.Found v2 = assertInstanceOf(PathGuard.Found.class, switching.lookup("/app.js"));
        assertEquals("2", Files.readString(v2.real()));
    }

    /** Review finding: every FileSystemException was "missing" (404); each now gets its own answer. */
    @Test
    void fileSystemRefusals() throws Exception {
        Files.createSymbolicLink(base.resolve("www/loop1"), base.resolve("www/loop2"));
        Files.createSymbolicLink(base.resolve("www/loop2"), base.resolve("www/loop1"));
        PathGuard.Failed loop = assertInstanceOf(PathGuard.Failed.class, guard.lookup("/loop1"));
        assertEquals(500, loop.status());
        assertNotNull(loop.cause(), "logged");
        PathGuard.Failed tooLong = assertInstanceOf(PathGuard.Failed.class, guard.lookup("/" + "x".repeat(256)));
        assertEquals(414, tooLong.status());
        assertNull(tooLong.cause(), "not logged");
        assertInstanceOf(PathGuard.Missing.class, guard.lookup("/" + "x".repeat(255)));
        assertInstanceOf(PathGuard.Missing.class, guard.lookup("/sub/a.txt/x"), "ENOTDIR");
        assertInstanceOf(PathGuard.Missing.class, guard.lookup("/sub/a.txt/x/y"), "ENOTDIR deeper");
    }

    @Test
    void found() {
        PathGuard.Found f = assertInstanceOf(PathGuard.Found.class, guard.lookup("/sub/a.txt"));
        assertEquals("a.txt", f.real().getFileName().toString());
        assertInstanceOf(PathGuard.Found.class, guard.lookup("//sub//a.txt"));
        assertInstanceOf(PathGuard.Missing.class, guard.lookup("/.well-known/nothing"));
        assertInstanceOf(PathGuard.Missing.class, guard.lookup("/sub/a.txt/x"));
    }
}
