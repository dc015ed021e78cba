package org.nproxy.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.LogCapture;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.Skip;

/**
 * Each file-system refusal gets its own status, and the ones the operator must fix get a server
 * log line: permission denied 403 (logged), no such file or not a directory 404, name too long
 * 414, a symlink loop 500 (logged).
 */
class FileErrorsIT {
    static NproxyFixture nproxy;
    /** A regular file even root may not open for reading (a write-only sysfs attribute), or null. */
    static Path unreadable;

    @BeforeAll
    static void start() throws Exception {
        Path base = Files.createTempDirectory("nproxy-static");
        StaticSiteIT.write(base, "www/a.txt", "a");
        Files.createSymbolicLink(base.resolve("www/loop1"), base.resolve("www/loop2"));
        Files.createSymbolicLink(base.resolve("www/loop2"), base.resolve("www/loop1"));
        unreadable = writeOnlySysfsFile();
        String sys = unreadable == null ? "" : "<location path=\"^~ /sys/\"><static alias=\"" + unreadable.getParent()
            + "\"/></location>";
        nproxy = NproxyFixture.start(base, """
            <nproxy><access-log off="true"/><server><listen host="127.0.0.1" port="0"/>
              <location path="/"><static root="www"/></location>
              %s
            </server></nproxy>""".formatted(sys));
    }

    @AfterAll
    static void stop() throws Exception {
        nproxy.close();
        StaticSiteIT.deleteTree(nproxy.base());
    }

    private static String get(String target) throws IOException {
        return Http.get(nproxy.port(), target, "x");
    }

    @Test
    void notADirectoryIs404WithoutALogLine() throws Exception {
        try (LogCapture log = new LogCapture()) {
            assertEquals(404, Http.status(get("/a.txt/x")));
            assertEquals(404, Http.status(get("/nothing/here")));
            assertEquals(200, Http.status(get("/a.txt")), "a later request, so earlier log lines are written");
            assertNull(log.line("static:"), log.text());
        }
    }

    @Test
    void nameTooLongIs414WithoutALogLine() throws Exception {
        try (LogCapture log = new LogCapture()) {
            assertEquals(414, Http.status(get("/" + "n".repeat(300))));
            assertEquals(414, Http.status(get("/a.txt/" + "n".repeat(256))));
            assertEquals(404, Http.status(get("/" + "n".repeat(255))), "the longest name a file may have");
            assertEquals(200, Http.status(get("/a.txt")));
            assertNull(log.line("static:"), log.text());
        }
    }

    @Test
    void symlinkLoopIs500AndLogged() throws Exception {
        try (LogCapture log = new LogCapture()) {
            assertEquals(500, Http.status(get("/loop1")));
            String line = log.awaitLine("static:", "GET /loop1", "answered 500");
            assertTrue(line.contains("loop1"), line);
        }
    }

    @Test
    void permissionDeniedIs403AndLogged() throws Exception {
        // Tests run as root, who reads any file by mode: a write-only sysfs attribute refuses even root.
        Skip.unless(unreadable != null, "no /sys/bus/*/uevent refuses to be opened for reading here (no sysfs?),"
            + " and root reads any file by its mode");
        try (LogCapture log = new LogCapture()) {
            String target = "/sys/" + unreadable.getFileName();
            assertEquals(403, Http.status(get(target)));
            log.awaitLine("static:", "GET " + target, "permission denied", "answered 403");
        }
    }

    /** A {@code /sys/bus/NAME/uevent}: regular, mode 0200, and open(O_RDONLY) fails with EACCES even for root. */
    private static Path writeOnlySysfsFile() throws IOException {
        Path bus = Path.of("/sys/bus");
        if (!Files.isDirectory(bus)) {
            return null;
        }
        try (Stream<Path> buses = Files.list(bus)) {
            for (Path candidate : buses.map(b -> b.resolve("uevent")).toList()) {
                if (!Files.isRegularFile(candidate)) {
                    continue;
                }
                try (FileChannel ignored = FileChannel.open(candidate)) {
                    continue; // readable after all
                } catch (AccessDeniedException e) {
                    return candidate;
                } catch (IOException e) {
                    continue;
                }
            }
        }
        return null;
    }
}
