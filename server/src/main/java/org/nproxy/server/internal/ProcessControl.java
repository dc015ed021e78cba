package org.nproxy.server.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.nproxy.server.NproxyServer;

/**
 * The process side of {@code bin/nproxy.sh}: signal handlers, the pid file and the result files
 * under {@code var/}. Installed before the server starts, so that a {@code TERM} or {@code INT}
 * during start-up waits for the start to finish and then stops gracefully (exit 0) instead of
 * the JVM's default exit 130.
 * <ul>
 *   <li>{@code HUP}: reload; the outcome goes to {@code var/reload.result}</li>
 *   <li>{@code TERM}, {@code INT}: graceful stop; the report goes to {@code var/stop.result}</li>
 * </ul>
 */
public final class ProcessControl {
    private final Path var;
    private final Path pidFile;
    private final PrintStream out;
    private final PrintStream err;
    private final CompletableFuture<NproxyServer> started = new CompletableFuture<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    private ProcessControl(Path var, Path pidFile, PrintStream out, PrintStream err) {
        this.var = var;
        this.pidFile = pidFile;
        this.out = out;
        this.err = err;
    }

    /**
     * Installs the signal handlers now, before anything slow happens.
     *
     * @param var     the instance's {@code var/}
     * @param pidFile where {@link #serve} writes the pid once every listener is open
     */
    public static ProcessControl install(Path var, Path pidFile, PrintStream out, PrintStream err) {
        ProcessControl control = new ProcessControl(var, pidFile, out, err);
        Signals.handle("TERM", control::stop);
        Signals.handle("INT", control::stop);
        Signals.handle("HUP", control::reload);
        return control;
    }

    /** Start-up failed: a stop waiting for it gives up (the caller exits 1). */
    public void failed(Throwable cause) {
        started.completeExceptionally(cause);
    }

    /**
     * The server is up: writes the pid file, runs a stop that was asked for during start-up, and
     * blocks until the server stops. Returns an exit code only when it stopped on its own.
     */
    public int serve(NproxyServer server) {
        try {
            Files.createDirectories(var);
            Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            err.println("nproxy: cannot write " + pidFile + ": " + e.getMessage());
        }
        started.complete(server);
        try {
            server.join();
            // A stop signal stopped Jetty: its thread reports and halts the JVM; returning here
            // would race it to exit before the report is written.
            while (stopping.get()) {
                Thread.sleep(60_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.println("nproxy: the server stopped unexpectedly");
        removeOwnFiles();
        return 1;
    }

    private void reload() {
        Thread.ofVirtual().name("reload").start(() -> {
            NproxyServer server = started.getNow(null);
            if (server == null || stopping.get()) {
                writeAtomically(var.resolve("reload.result"), System.nanoTime() + " failed\nnot reloaded: "
                    + (server == null ? "still starting" : "stopping") + "\n");
                return;
            }
            NproxyServer.ReloadResult result = server.reload();
            writeAtomically(var.resolve("reload.result"), System.nanoTime() + " " + (result.ok() ? "ok" : "failed")
                + "\n" + result.message() + "\n");
        });
    }

    private void stop() {
        if (!stopping.compareAndSet(false, true)) {
            return; // a second TERM/INT while stopping changes nothing
        }
        Thread.ofPlatform().name("stop").start(() -> {
            NproxyServer server;
            try {
                server = started.join();
            } catch (RuntimeException startFailed) {
                return; // the main thread reports the failure and exits 1
            }
            int code;
            try {
                NproxyServer.StopReport report = server.stop();
                out.println("nproxy: " + report);
                writeAtomically(var.resolve("stop.result"), report + "\n");
                code = report.cut() == 0 ? 0 : 3;
            } catch (Throwable t) {
                err.println("nproxy: stop failed: " + t);
                writeAtomically(var.resolve("stop.result"), "stop failed: " + t + "\n");
                code = 1;
            }
            removeOwnFiles();
            out.flush();
            err.flush();
            Runtime.getRuntime().halt(code);
        });
    }

    /** Removes the pid file only while it still names this process (an upgrade hands it over). */
    private void removeOwnFiles() {
        String self = Long.toString(ProcessHandle.current().pid());
        try {
            if (Files.isRegularFile(pidFile) && Files.readString(pidFile).trim().equals(self)) {
                Files.delete(pidFile);
            }
        } catch (IOException ignored) {
            // best effort: the script treats a pid file naming a dead process as "not running"
        }
    }

    /** Writes through a temporary file and a rename, so readers never see half a file. */
    public static void writeAtomically(Path file, String content) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("nproxy: cannot write " + file + ": " + e.getMessage());
        }
    }
}
