package org.nproxy.server.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The striped buffer under load, without Jetty: many virtual threads append numbered lines
 * while the file is moved and reopened, and every line must end up in exactly one file, whole.
 */
class LogBufferTest {
    /** A line "line &lt;n&gt; xxx...\n", its number passed in as the duration; some lines are long. */
    private static final LogBuffer.Format NUMBERED = (request, response, n, out) -> {
        out.raw("line ".getBytes()).number(n).ascii(' ');
        int pad = n % 5000 == 0 ? 70_000 : (int) (n % 97); // a few lines longer than a chunk
        for (int i = 0; i < pad; i++) {
            out.ascii('x');
        }
        out.ascii('\n');
    };

    private static FileChannel open(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** Reads the numbered lines of the files, failing on a broken or repeated line. */
    private static BitSet numbers(List<Path> files) throws IOException {
        BitSet seen = new BitSet();
        for (Path f : files) {
            if (!Files.exists(f)) {
                continue;
            }
            for (String line : Files.readAllLines(f)) {
                assertTrue(line.matches("line \\d+ x*"), () -> "broken line in " + f + ": "
                    + line.substring(0, Math.min(80, line.length())));
                int n = Integer.parseInt(line.split(" ")[1]);
                int pad = n % 5000 == 0 ? 70_000 : n % 97;
                assertEquals(line.length(), ("line " + n + " ").length() + pad, "line " + n + " cut");
                assertTrue(!seen.get(n), "line " + n + " written twice");
                seen.set(n);
            }
        }
        return seen;
    }

    @Test
    void everyLineLandsInExactlyOneFileAcrossReopensAndClose(@TempDir Path dir) throws Exception {
        LogBuffer buffer = new LogBuffer(4);
        Path log = dir.resolve("access.log");
        buffer.switchTo(new LogBuffer.Target(open(log), NUMBERED));
        int threads = 32;
        int perThread = 3_000;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int first = t * perThread;
            Thread.ofVirtual().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    buffer.append(null, null, first + i);
                }
                done.countDown();
            });
        }
        List<Path> files = new ArrayList<>();
        int moves = 0;
        while (done.getCount() > 0) {
            // logrotate: move the file away, then reopen the path (a new file) while lines keep coming.
            Path moved = dir.resolve("access.log." + moves++);
            Files.move(log, moved);
            files.add(moved);
            buffer.switchTo(new LogBuffer.Target(open(log), NUMBERED));
            Thread.sleep(5);
        }
        done.await();
        buffer.close(10_000);
        files.add(log);
        assertTrue(moves > 0);
        BitSet seen = numbers(files);
        assertEquals(threads * perThread, seen.cardinality(), "lines written");
    }

    @Test
    void closeWritesWhatIsBufferedWithoutWaitingForTheFlush(@TempDir Path dir) throws Exception {
        LogBuffer buffer = new LogBuffer(2);
        Path log = dir.resolve("a.log");
        buffer.switchTo(new LogBuffer.Target(open(log), NUMBERED));
        buffer.append(null, null, 1);
        buffer.append(null, null, 2);
        buffer.close(10_000);
        assertEquals(2, numbers(List.of(log)).cardinality());
        buffer.append(null, null, 3); // after close: not logged, and no failure
        assertEquals(2, numbers(List.of(log)).cardinality());
    }

    @Test
    void anIdleLogReachesTheFileWithoutClose(@TempDir Path dir) throws Exception {
        LogBuffer buffer = new LogBuffer(2);
        Path log = dir.resolve("a.log");
        buffer.switchTo(new LogBuffer.Target(open(log), NUMBERED));
        buffer.append(null, null, 7);
        await("written within about a second").atMost(Duration.ofSeconds(10)).until(() -> Files.size(log) > 0);
        assertEquals(1, numbers(List.of(log)).cardinality());
        buffer.close(10_000);
    }

    @Test
    void writersFasterThanTheFlusherWaitInsteadOfDroppingLines(@TempDir Path dir) throws Exception {
        // Far more lines than the chunks hold, from threads that never pause: with no room, a
        // writer waits for the flusher; a dropped line would show as a missing number.
        LogBuffer buffer = new LogBuffer(2);
        Path log = dir.resolve("a.log");
        buffer.switchTo(new LogBuffer.Target(open(log), NUMBERED));
        AtomicBoolean failed = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int first = t * 40_000;
            writers.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 1; i < 40_000; i++) {
                        buffer.append(null, null, first + i);
                    }
                } catch (RuntimeException e) {
                    failed.set(true);
                }
            }));
        }
        for (Thread w : writers) {
            w.join();
        }
        buffer.close(30_000);
        assertTrue(!failed.get());
        assertEquals(8 * 39_999, numbers(List.of(log)).cardinality());
    }
}
