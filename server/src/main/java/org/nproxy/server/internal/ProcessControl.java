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
 * The process side of {@code bin/nproxy.sh}: signal handlers, the pid file, the status file and
 * the result files under {@code var/}. Installed before the server starts, so that a {@code TERM} or {@code INT}
 * during start-up waits for the start to finish and then stops gracefully (exit 0) instead of
 * the JVM's default exit 130.
 * <ul>
 *   <li>{@code HUP}: reload; the outcome goes to {@code var/reload.result}</li>
 *   <li>{@code TERM}, {@code INT}: graceful stop; the report goes to {@code var/stop.result}</li>
 *   <li>{@code TERM} once {@code var/nproxy.pid} names a newer live process ({@code nproxy.sh
 *       upgrade} moved it there before signalling): hand over to that process, already listening
 *       on the same ports: stop accepting, drain requests and tunnels up to drain-timeout
 *       ({@link Handover}), exit; the report goes to {@code var/stop.result}</li>
 *   <li>{@code USR1}: reopen the access log and {@code logs/nproxy.log} by their paths (after
 *       logrotate moved them); the outcome goes to {@code var/reopen.result}</li>
 * </ul>
 * Why {@code TERM} and not a signal of its own for the handover: the JVM keeps {@code USR2} and
 * {@code QUIT}, {@code USR1} is logrotate's, and {@code WINCH} (nginx's) reaches a foreground
 * {@code run} whenever its terminal is resized. The pid file the script already moves decides,
 * so {@code kill -TERM} and systemd's stop drain the right way in both cases.
 * {@code var/nproxy-PID.status} ({@code key=value} lines: pid, version, home, config, started
 * (epoch ms), generation, state, listeners, probe) is written once serving and after each reload,
 * and removed at exit; {@code nproxy.sh status} reads it.
 */
public final class ProcessControl {
    private final Path var;
    private final Path pidFile;
    private final PrintStream out;
    private final PrintStream err;
    private final Path statusFile;
    private final Path home;
    private final Path configFile;
    private final String version;
    private final long startedMillis = System.currentTimeMillis();
    private final CompletableFuture<NproxyServer> started = new CompletableFuture<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    private ProcessControl(Path var, Path pidFile, Path home, Path configFile, String version, PrintStream out,
                           PrintStream err) {
        this.var = var;
        this.pidFile = pidFile;
        this.statusFile = var.resolve("nproxy-" + ProcessHandle.current().pid() + ".status");
        this.home = home;
        this.configFile = configFile;
        this.version = version;
        this.out = out;
        this.err = err;
    }

    /**
     * Installs the signal handlers now, before anything slow happens.
     *
     * @param var     the instance's {@code var/}
     * @param pidFile where {@link #serve} writes the pid once every listener is open
     * @param home    the install, for the status file
     */
    public static ProcessControl install(Path var, Path pidFile, Path home, Path configFile, String version,
                                         PrintStream out, PrintStream err) {
        ProcessControl control = new ProcessControl(var, pidFile, home, configFile, version, out, err);
        Signals.handle("TERM", control::terminate);
        Signals.handle("INT", control::stop);
        Signals.handle("HUP", control::reload);
        Signals.handle("USR1", control::reopen);
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
            writeStatus(server, "serving");
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
            if (result.ok() && !stopping.get()) {
                writeStatus(server, "serving");
            }
            writeAtomically(var.resolve("reload.result"), System.nanoTime() + " " + (result.ok() ? "ok" : "failed")
                + "\n" + result.message() + "\n");
        });
    }

    /** Hand over when an upgrade replaced this process in the pid file, else stop. */
    private void terminate() {
        if (replaced()) {
            handover();
        } else {
            stop();
        }
    }

    /**
     * True when {@code var/nproxy.pid} names another live process that started after this one:
     * the new process of an upgrade (an older one named there is the process this one is about
     * to replace, if this is an upgrade's new process stopped before the move).
     */
    private boolean replaced() {
        try {
            String named = Files.readString(var.resolve("nproxy.pid")).trim();
            long other = Long.parseLong(named);
            if (other == ProcessHandle.current().pid()
                || !ProcessHandle.of(other).map(ProcessHandle::isAlive).orElse(false)) {
                return false;
            }
            Path status = var.resolve("nproxy-" + other + ".status");
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("started=")) {
                    return Long.parseLong(line.substring("started=".length())) >= startedMillis;
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false; // no pid file, or not a pid: this is the main process
        }
    }

    /** Opens the logs again by their paths (logrotate moved them); reports in var/reopen.result. */
    private void reopen() {
        Thread.ofVirtual().name("reopen").start(() -> {
            NproxyServer server = started.getNow(null);
            StringBuilder done = new StringBuilder();
            String failure = null;
            // Each log on its own: one that cannot be reopened does not keep the other on the moved file.
            try {
                Path console = ConsoleLog.reopenInstalled();
                if (console != null) {
                    done.append(console);
                }
            } catch (IOException | RuntimeException e) {
                failure = e.toString();
            }
            try {
                Path access = server == null ? null : server.reopenAccessLog();
                if (access != null) {
                    done.append(done.isEmpty() ? "" : ", ").append(access);
                }
            } catch (IOException | RuntimeException e) {
                failure = failure == null ? e.toString() : failure + "; " + e;
            }
            String message = failure != null ? "not reopened: " + failure + (done.isEmpty() ? "" : " (reopened " + done + ")")
                : done.isEmpty() ? "no log file to reopen (the access log is off and the output is not a file)"
                : "reopened " + done;
            if (failure != null) {
                err.println("nproxy: " + message);
            } else {
                org.slf4j.LoggerFactory.getLogger(ProcessControl.class).info("{}", message);
            }
            writeAtomically(var.resolve("reopen.result"), System.nanoTime() + " " + (failure == null ? "ok" : "failed")
                + "\n" + message + "\n");
        });
    }

    private void stop() {
        exit("stopping", NproxyServer::stop, r -> ((NproxyServer.StopReport) r).cut());
    }

    private void handover() {
        exit("draining", NproxyServer::handover, r -> ((Handover.Report) r).cut());
    }

    private interface Ending {
        Object run(NproxyServer server) throws Exception;
    }

    /** Stop or hand over once (a second TERM/INT while ending changes nothing), report, halt. */
    private void exit(String state, Ending ending, java.util.function.ToIntFunction<Object> cut) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        Thread.ofPlatform().name(state).start(() -> {
            NproxyServer server;
            try {
                server = started.join();
            } catch (RuntimeException startFailed) {
                return; // the main thread reports the failure and exits 1
            }
            int code;
            writeStatus(server, state);
            try {
                Object report = ending.run(server);
                out.println("nproxy: " + report);
                writeAtomically(var.resolve("stop.result"), report + "\n");
                code = cut.applyAsInt(report) == 0 ? 0 : 3;
            } catch (Throwable t) {
                err.println("nproxy: " + state + " failed: " + t);
                writeAtomically(var.resolve("stop.result"), state + " failed: " + t + "\n");
                code = 1;
            }
            try {
                removeOwnFiles();
                out.flush();
                err.flush();
            } finally {
                Runtime.getRuntime().halt(code);
            }
        });
    }

    private void writeStatus(NproxyServer server, String state) {
        writeAtomically(statusFile, "pid=" + ProcessHandle.current().pid() + "\nversion=" + version + "\nhome=" + home
            + "\nconfig=" + configFile + "\nstarted=" + startedMillis + "\ngeneration=" + server.generation().id()
            + "\nstate=" + state + "\nlisteners=" + server.listenerSummary() + "\nprobe="
            + String.join(" ", server.probeAddresses()) + "\n");
    }

    /** Removes the status file, and the pid file while it still names this process (an upgrade hands it over). */
    private void removeOwnFiles() {
        String self = Long.toString(ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(statusFile);
            for (Path file : new java.util.LinkedHashSet<>(java.util.List.of(pidFile, var.resolve("nproxy.pid"),
                var.resolve("nproxy.pid.new")))) {
                if (Files.isRegularFile(file) && Files.readString(file).trim().equals(self)) {
                    Files.delete(file);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort: the script treats a pid file naming a dead process as "not running"
        }
    }

    /** Writes through a temporary file and a rename, so readers never see half a file. */
    public static void writeAtomically(Path file, String content) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("nproxy: cannot write " + file + ": " + e.getMessage());
        }
    }
}
