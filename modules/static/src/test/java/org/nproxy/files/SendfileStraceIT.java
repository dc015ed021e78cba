package org.nproxy.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Skip;

/**
 * Proves zero copy: a forked Nproxy JVM is traced with {@code strace -f -e trace=sendfile}
 * while a 10 MiB file is fetched over cleartext HTTP/1.1; the sendfile(2) calls must carry the
 * body, and a second request on the same keep-alive connection must succeed.
 */
class SendfileStraceIT {
    private static final int SIZE = 10 * 1024 * 1024;
    private static final Pattern SENDFILE = Pattern.compile("sendfile(?:64)?\\((\\d+), (\\d+),.*\\)\\s+=\\s+(-?\\d+)");
    private static final Pattern END_OFFSET = Pattern.compile("=> \\[(\\d+)\\]");
    private final List<Process> started = new ArrayList<>();
    private Path base;

    @AfterEach
    void killStarted() throws Exception {
        for (Process p : started.reversed()) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (base != null) {
            StaticSiteIT.deleteTree(base);
        }
    }

    @Test
    void tenMebibytesGoThroughSendfileAndTheConnectionIsReused() throws Exception {
        Skip.unless(System.getProperty("os.name").startsWith("Linux"), "sendfile(2) is Linux");
        Skip.unless(onPath("strace"), "strace is not installed (Debian: apt-get install strace)");

        base = Files.createTempDirectory("nproxy-sendfile");
        byte[] big = new byte[SIZE];
        new Random(42).nextBytes(big);
        Files.createDirectories(base.resolve("www"));
        Files.write(base.resolve("www/big.bin"), big);
        Files.writeString(base.resolve("www/small.txt"), "second request");
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/nproxy.xml"), """
            <nproxy><server><listen host="127.0.0.1" port="0"/>
              <location path="/"><static root="www"/></location>
            </server></nproxy>""");

        String java = ProcessHandle.current().info().command().orElse("java");
        Process nproxy = start(new ProcessBuilder(java, "-Xmx128m", "-Dnproxy.home=" + base, "-Dnproxy.base=" + base,
            "-cp", System.getProperty("java.class.path"), "org.nproxy.server.Main", "run",
            "--config", base.resolve("etc/nproxy.xml").toString())
            .redirectErrorStream(true).redirectOutput(base.resolve("nproxy.out").toFile()));
        int port = awaitListening(nproxy, base.resolve("nproxy.out"));

        Path trace = base.resolve("strace.out");
        Process strace = start(new ProcessBuilder("strace", "-f", "-e", "trace=sendfile", "-o", trace.toString(),
            "-p", Long.toString(nproxy.pid())).redirectErrorStream(true).redirectOutput(base.resolve("strace.err").toFile()));
        awaitAttached(strace, base.resolve("strace.err"), nproxy.pid());

        try (RawClient client = new RawClient(port)) {
            RawClient.Reply first = client.get("/big.bin");
            assertEquals(200, first.status());
            assertArrayEquals(big, first.body(), "the body is the file");
            RawClient.Reply second = client.get("/small.txt");
            assertEquals(200, second.status(), "second request on the same keep-alive connection");
            assertEquals("second request", second.text());
        }
        // The client can have the last bytes before strace has written the call that sent them.
        Awaitility.await("strace wrote the sendfile that reached the end of big.bin").atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(20)).until(() -> Files.readAllLines(trace).stream()
                .map(END_OFFSET::matcher).anyMatch(m -> m.find() && Long.parseLong(m.group(1)) == SIZE));
        strace.destroy();
        strace.waitFor(10, TimeUnit.SECONDS);

        // Calls for the first response run until the file offset reaches the end of big.bin; any
        // later ones belong to the second response (small bodies go out with the headers in one write).
        long carried = 0;
        int calls = 0;
        int eagain = 0;
        boolean firstDone = false;
        long secondCarried = 0;
        String socketFd = null;
        List<String> lines = Files.readAllLines(trace);
        for (String line : lines) {
            if (line.contains("EAGAIN")) {
                eagain++;
                continue;
            }
            Matcher m = SENDFILE.matcher(line);
            if (!m.find() || Long.parseLong(m.group(3)) <= 0) {
                continue;
            }
            socketFd = socketFd == null ? m.group(1) : socketFd;
            assertEquals(socketFd, m.group(1), "every sendfile writes to the same client socket: " + line);
            long n = Long.parseLong(m.group(3));
            if (firstDone) {
                secondCarried += n;
                continue;
            }
            calls++;
            carried += n;
            Matcher end = END_OFFSET.matcher(line);
            firstDone = end.find() && Long.parseLong(end.group(1)) == SIZE;
        }
        System.out.printf("sendfile: %d calls carried %d of %d body bytes (%d EAGAIN waits); second response: %d bytes%n",
            calls, carried, SIZE, eagain, secondCarried);
        String excerpt = String.join("\n", lines.stream().limit(40).toList());
        // Whatever sendfile did not carry went as one byte per EAGAIN, handed to Jetty to wait for writability.
        assertEquals(SIZE, carried + eagain, "sendfile bytes + one byte per wait; trace:\n" + excerpt);
        assertTrue(carried > SIZE - 64 * 1024, "sendfile carried only " + carried + "; trace:\n" + excerpt);
    }

    private Process start(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** The port the forked server bound (it listens on port 0 and logs "listening on http://127.0.0.1:PORT"). */
    private static int awaitListening(Process process, Path log) {
        Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
        return Awaitility.await("nproxy listening, per " + log).atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(50)).until(() -> {
                String text = Files.exists(log) ? Files.readString(log) : "";
                if (!process.isAlive()) {
                    throw new IllegalStateException("nproxy exited: " + text);
                }
                Matcher m = listening.matcher(text);
                return m.find() ? Integer.parseInt(m.group(1)) : 0;
            }, port -> port > 0);
    }

    /** strace has attached to every thread the server has now (-f then follows the ones it starts). */
    private static void awaitAttached(Process strace, Path err, long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        Awaitility.await("strace attached to every thread of " + pid).atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50)).until(() -> {
                String text = Files.exists(err) ? Files.readString(err) : "";
                if (!strace.isAlive()) {
                    throw new IllegalStateException("strace could not attach (ptrace not permitted?): " + text);
                }
                // "Process N attached with M threads" once it holds them all (older strace: a line per thread).
                if (text.contains(" attached with ")) {
                    return true;
                }
                long attached = text.lines().filter(l -> l.contains("attached")).count();
                try (Stream<Path> threads = Files.list(tasks)) {
                    return attached > 0 && attached >= threads.count();
                }
            });
    }
}
