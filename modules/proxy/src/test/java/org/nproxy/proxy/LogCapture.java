package org.nproxy.proxy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.slf4j.LoggerFactory;

/**
 * What the server logs while open: Jetty's slf4j appender (shared by every logger) writes to a
 * tee of its stream and a buffer, so the output still shows in the test report.
 */
final class LogCapture implements AutoCloseable {
    private final StdErrAppender appender;
    private final PrintStream previous;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    LogCapture() {
        appender = (StdErrAppender) ((JettyLogger) LoggerFactory.getLogger(ProxyHandler.class)).getAppender();
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

    String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** The first captured line containing every one of the parts, or null; waits up to 5 s for it. */
    String line(String... parts) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            for (String l : text().lines().toList()) {
                boolean all = true;
                for (String p : parts) {
                    all &= l.contains(p);
                }
                if (all) {
                    return l;
                }
            }
            Thread.sleep(100);
        }
        return null;
    }

    @Override
    public void close() {
        appender.setStream(previous == System.err ? null : previous);
    }
}
