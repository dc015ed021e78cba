package org.nproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.awaitility.Awaitility;
import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.slf4j.LoggerFactory;

/**
 * What the server logs while open: Jetty's slf4j appender (shared by every logger) writes to a
 * tee of its stream and a buffer, so the output still shows in the test report.
 *
 * <pre>{@code
 * try (LogCapture log = new LogCapture()) {
 *     ... request ...
 *     assertNotNull(log.awaitLine("static:", "/secret"));
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {
    private final StdErrAppender appender;
    private final PrintStream previous;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    public LogCapture() {
        appender = (StdErrAppender) ((JettyLogger) LoggerFactory.getLogger("org.nproxy")).getAppender();
        previous = appender.getStream() != null ? appender.getStream() : System.err; // null: System.err
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                previous.write(b);
                synchronized (captured) {
                    captured.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                previous.write(b, off, len);
                synchronized (captured) {
                    captured.write(b, off, len);
                }
            }
        };
        appender.setStream(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    public String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** The first captured line containing every one of the parts, or null. */
    public String line(String... parts) {
        List<String> wanted = Arrays.asList(parts);
        return text().lines().filter(l -> wanted.stream().allMatch(l::contains)).findFirst().orElse(null);
    }

    /** {@link #line} once it is there; fails after 5 s. */
    public String awaitLine(String... parts) {
        return Awaitility.await("a log line with " + Arrays.toString(parts)).atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(20)).until(() -> line(parts), l -> l != null);
    }

    @Override
    public void close() {
        appender.setStream(previous == System.err ? null : previous);
    }
}
