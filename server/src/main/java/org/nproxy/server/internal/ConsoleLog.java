package org.nproxy.server.internal;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The server's own log ({@code logs/nproxy.log}: start-up lines, Jetty's and the modules'
 * log records, reload and stop reports) when {@code nproxy.sh start} runs the server in the
 * background: {@code System.out} and {@code System.err} write to the file by its path, and
 * {@link #reopen} opens it again after logrotate moved it ({@code SIGUSR1}), as nginx reopens
 * its error log.
 *
 * <p>Each {@code println} reaches this stream as one write (the print streams buffer a line and
 * flush it whole), and writes and the reopen are serialized here, so a line is never split
 * between the moved file and the new one. What the JVM itself writes to file descriptors 1 and 2
 * outside {@code System.out}/{@code err} (a crash report, {@code -Xlog} to stdout) stays on the
 * file the process was started with.
 */
public final class ConsoleLog extends OutputStream {
    private static volatile ConsoleLog installed;
    private final Path path;
    private FileOutputStream file; // guarded by this

    private ConsoleLog(Path path) throws IOException {
        this.path = path;
        this.file = open(path);
    }

    /**
     * Makes {@code System.out} and {@code System.err} write to {@code path} (appending), before
     * anything caches them (Jetty's log appender keeps the {@code System.err} it first saw).
     */
    public static void install(Path path) throws IOException {
        ConsoleLog log = new ConsoleLog(path);
        Charset charset = System.out.charset();
        System.setOut(new PrintStream(new BufferedOutputStream(log, 16 * 1024), true, charset));
        System.setErr(new PrintStream(new BufferedOutputStream(log, 16 * 1024), true, charset));
        installed = log;
    }

    /**
     * Opens the installed log again by its path; returns it, or null when the process writes to
     * the stdout it was given (foreground {@code run}: a terminal or the journal, nothing to reopen).
     */
    public static Path reopenInstalled() throws IOException {
        ConsoleLog log = installed;
        if (log == null) {
            return null;
        }
        System.out.flush();
        System.err.flush();
        log.reopen();
        return log.path;
    }

    private synchronized void reopen() throws IOException {
        FileOutputStream next = open(path);
        FileOutputStream previous = file;
        file = next;
        previous.close();
    }

    private static FileOutputStream open(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new FileOutputStream(path.toFile(), true);
    }

    @Override
    public synchronized void write(int b) throws IOException {
        file.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        file.write(b, off, len);
    }
}
