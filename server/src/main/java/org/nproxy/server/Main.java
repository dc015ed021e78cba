package org.nproxy.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;

import org.nproxy.config.ConfigError;
import org.nproxy.config.ConfigException;
import org.nproxy.config.NproxyConfig;
import sun.misc.Signal;

/**
 * Command line: {@code run | check | version} with {@code --config FILE}. The process verbs
 * (start, stop, reload, status) live in {@code bin/nproxy.sh}, which signals this process:
 * {@code HUP} reloads (result in {@code var/reload.result}), {@code TERM}/{@code INT} stop
 * gracefully and exit 0.
 *
 * <p>System properties set by the script: {@code nproxy.home} (the install) and
 * {@code nproxy.base} (the instance: etc/, logs/, var/, lib/ext/; default the home).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path home = Path.of(System.getProperty("nproxy.home", ".")).toAbsolutePath().normalize();
        Path base = Path.of(System.getProperty("nproxy.base", home.toString())).toAbsolutePath().normalize();
        String verb = args.length == 0 ? "run" : args[0];
        Path config = null;
        for (int i = 1; i < args.length; i++) {
            if ((args[i].equals("--config") || args[i].equals("-c")) && i + 1 < args.length) {
                config = Path.of(args[++i]);
            } else if (args[i].startsWith("--config=")) {
                config = Path.of(args[i].substring("--config=".length()));
            } else {
                err.println("nproxy: unknown argument '" + args[i] + "'; usage: nproxy run|check|version [--config FILE]");
                return 2;
            }
        }
        Path configFile = (config == null ? base.resolve("etc/nproxy.xml") : config).toAbsolutePath().normalize();
        switch (verb) {
            case "version":
                out.println("nproxy " + version() + " (Jetty " + org.eclipse.jetty.util.Jetty.VERSION + ", Java "
                    + Runtime.version() + ")");
                return 0;
            case "check":
                return check(home, base, configFile, out, err);
            case "run":
                return serve(home, base, configFile, out, err);
            default:
                err.println("nproxy: unknown command '" + verb + "'; expected run, check or version");
                return 2;
        }
    }

    /** {@code $NPROXY_HOME/lib/ext} and {@code $NPROXY_BASE/lib/ext} (once when they are the same). */
    private static List<Path> extDirs(Path home, Path base) {
        return new ArrayList<>(new LinkedHashSet<>(List.of(home.resolve("lib/ext"), base.resolve("lib/ext"))));
    }

    private static ModuleRegistry registry(Path home, Path base) {
        return ModuleRegistry.load(extDirs(home, base));
    }

    private static int check(Path home, Path base, Path configFile, PrintStream out, PrintStream err) {
        try {
            NproxyConfig config = NproxyServer.check(base, configFile, registry(home, base));
            out.println("nproxy: configuration file " + configFile + " syntax is ok");
            out.println("nproxy: " + config.servers().size() + " server(s), " + config.listeners().size()
                + " listener(s), " + elementSummary(config) + config.includes().size()
                + " file(s) read");
            out.println("nproxy: configuration file " + configFile + " test is successful");
            return 0;
        } catch (ConfigException e) {
            printErrors(e, err);
            err.println("nproxy: configuration file " + configFile + " test failed");
            return 1;
        } catch (IllegalStateException e) {
            err.println("nproxy: " + e.getMessage());
            return 1;
        }
    }

    /** "2 upstream(s), 1 cache-zone(s), " for the modules' top-level elements. */
    private static String elementSummary(NproxyConfig config) {
        StringBuilder out = new StringBuilder();
        config.elements().forEach((type, byName) -> out.append(byName.size()).append(' ').append(type).append("(s), "));
        return out.toString();
    }

    private static void printErrors(ConfigException e, PrintStream err) {
        for (ConfigError error : e.errors()) {
            err.println("nproxy: [error] " + error);
        }
    }

    private static int serve(Path home, Path base, Path configFile, PrintStream out, PrintStream err) {
        NproxyServer server;
        try {
            // Jars in lib/ext/ are read again at every reload (a class loader per change).
            server = new NproxyServer(base, configFile, extDirs(home, base));
            server.start();
        } catch (ConfigException e) {
            printErrors(e, err);
            err.println("nproxy: not started: configuration file " + configFile + " is invalid");
            return 1;
        } catch (Exception e) {
            err.println("nproxy: not started: " + describe(e));
            return 1;
        }
        Path var = base.resolve("var");
        Path pidFile = var.resolve("nproxy.pid");
        try {
            Files.createDirectories(var);
            Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            err.println("nproxy: cannot write " + pidFile + ": " + e.getMessage());
        }
        out.println("nproxy " + version() + " started, pid " + ProcessHandle.current().pid() + ", listening on "
            + server.listenerSummary());
        out.flush();
        Signal.handle(new Signal("HUP"), s -> Thread.ofVirtual().name("reload").start(() -> {
            NproxyServer.ReloadResult result = server.reload();
            writeAtomically(var.resolve("reload.result"), System.nanoTime() + " " + (result.ok() ? "ok" : "failed")
                + "\n" + result.message() + "\n");
        }));
        Object stopping = new Object();
        java.util.concurrent.atomic.AtomicBoolean stopRequested = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable stop = () -> {
            stopRequested.set(true);
            synchronized (stopping) {
                int code = 0;
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
                try {
                    Files.deleteIfExists(pidFile);
                } catch (IOException ignored) {
                    // best effort
                }
                out.flush();
                Runtime.getRuntime().halt(code);
            }
        };
        Signal.handle(new Signal("TERM"), s -> Thread.ofPlatform().name("stop").start(stop));
        Signal.handle(new Signal("INT"), s -> Thread.ofPlatform().name("stop").start(stop));
        try {
            server.join();
            // Jetty has stopped. If a stop signal did it, the stop thread reports and halts the
            // JVM itself; returning here would race it to exit before the report is written.
            while (stopRequested.get()) {
                Thread.sleep(60_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.println("nproxy: the server stopped unexpectedly");
        return 1;
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            b.append(": ").append(t.getMessage());
        }
        if (e instanceof java.io.IOException && String.valueOf(e.getMessage()).contains("bind")) {
            b.append(" (is another server on that port? change <listen port> or stop it)");
        }
        return b.toString();
    }

    private static void writeAtomically(Path file, String content) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("nproxy: cannot write " + file + ": " + e.getMessage());
        }
    }

    /** The build version, from the jar. */
    public static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/org/nproxy/server/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
