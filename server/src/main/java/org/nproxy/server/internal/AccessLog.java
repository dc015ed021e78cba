package org.nproxy.server.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.NanoTime;
import org.nproxy.config.AccessLogConfig;

/**
 * Writes one line per request, in the generation's format ({@link AccessLogFormat}:
 * {@code combined} by default, {@code common}, {@code json} or a pattern of variables).
 *
 * <p>Buffered like nginx's {@code access_log ... buffer=64k flush=1s} ({@link LogBuffer}): the
 * line is formatted on the request's thread into a shared 64 KiB chunk, a flusher thread writes
 * full chunks with one {@code write(2)} each and what is buffered at least once a second. No line
 * is dropped: a request waits for room when the disk falls behind. {@link #configure} (start,
 * reload), {@link #reopen} (after logrotate moved the file) and {@link #close} (stop) are safe
 * under load: each line lands in exactly one file, and a retired file is closed after its last line.
 */
public final class AccessLog implements RequestLog {
    private static final long CLOSE_TIMEOUT_MILLIS = 10_000;
    private final LogBuffer buffer = new LogBuffer(LogBuffer.defaultStripes());
    private AccessLogConfig config; // guarded by this

    public AccessLog() {
    }

    /** Opens the log for a configuration (a reload opens the file anew, which also follows a move). */
    public synchronized void configure(AccessLogConfig config) throws IOException {
        if (config.path() == null) {
            buffer.switchTo(null);
        } else {
            buffer.switchTo(new LogBuffer.Target(open(config.path()), AccessLogFormat.of(config.format())));
        }
        this.config = config;
    }

    /**
     * Opens the file again by its path, as nginx's {@code USR1} does after logrotate moved it:
     * lines logged before go to the moved file, lines after to the new one. Does nothing when the
     * log is off; if the file cannot be opened, logging goes on to the old one and this throws.
     * Atomic for the request threads: the switch holds every stripe's lock, a line is formatted
     * and copied under one, so each line (whole) is in exactly one file.
     *
     * @return the file reopened, or null when the log is off
     */
    public synchronized Path reopen() throws IOException {
        if (config != null && config.path() != null) {
            configure(config);
            return config.path();
        }
        return null;
    }

    /** Writes every line logged so far and closes the file; later lines are not logged. */
    public synchronized void close() {
        buffer.close(CLOSE_TIMEOUT_MILLIS);
        config = null;
    }

    @Override
    public void log(Request request, Response response) {
        if (buffer.isOn()) {
            buffer.append(request, response, NanoTime.since(request.getBeginNanoTime()));
        }
    }

    private static FileChannel open(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }
}
