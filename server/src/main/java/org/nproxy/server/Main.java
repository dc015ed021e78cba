package org.nproxy.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;

import org.nproxy.config.ConfigError;
import org.nproxy.config.ConfigException;
import org.nproxy.config.NproxyConfig;
import org.nproxy.server.internal.ProcessControl;

/**
 * Command line: {@code run | check | version} with {@code --config FILE}. The process verbs
 * (start, stop, reload, status) live in {@code bin/nproxy.sh}, which signals this process:
 * {@code HUP} reloads (result in {@code var/reload.result}), {@code TERM}/{@code INT} stop
 * gracefully and exit 0 ({@code TERM} after an upgrade moved the pid file away: hand over and
 * drain), {@code USR1} reopens the logs (result in {@code var/reopen.result}).
 *
 * <p>System properties set by the script: {@code nproxy.home} (the install) and
 * {@code nproxy.base} (the instance: etc/, logs/, var/, lib/ext/; default the home), and for a
 * background process {@code nproxy.log} (its own log, written by path so that it can be reopened).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // nproxy.sh start/upgrade name the server's log: written by path so that USR1 can reopen it.
        String log = System.getProperty("nproxy.log");
        if (log != null && !log.isEmpty()) {
            try {
                org.nproxy.server.internal.ConsoleLog.install(Path.of(log));
            } catch (IOException e) {
                System.err.println("nproxy: cannot open " + log + " (" + e.getMessage() + "); logging to stdout");
            }
        }
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path home = Path.of(System.getProperty("nproxy.home", ".")).toAbsolutePath().normalize();
        Path base = Path.of(System.getProperty("nproxy.base", home.toString())).toAbsolutePath().normalize();
        String verb = null;
        Path config = null;
        // Options before or after the verb, as bin/nproxy.sh takes them.
        for (int i = 0; i < args.length; i++) {
            if ((args[i].equals("--config") || args[i].equals("-c")) && i + 1 < args.length) {
                config = Path.of(args[++i]);
            } else if (args[i].startsWith("--config=")) {
                config = Path.of(args[i].substring("--config=".length()));
            } else if (verb == null && !args[i].startsWith("-")) {
                verb = args[i];
            } else {
                err.println("nproxy: unknown argument '" + args[i] + "'; usage: nproxy run|check|version [--config FILE]");
                return 2;
            }
        }
        verb = verb == null ? "run" : verb;
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
            case "aot-train":
                // bin/nproxy.sh's background training run for the JVM's AOT cache (docs/performance.md).
                return org.nproxy.server.internal.AotTraining.run(base, configFile, extDirs(home, base), out, err);
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
        long pid = ProcessHandle.current().pid();
        // Signal handlers first: a stop asked for during start-up then waits for it and stops cleanly.
        // The new process of an upgrade reports itself in nproxy.pid.new; the script moves it over.
        Path pidFile = base.resolve(Boolean.getBoolean("nproxy.upgrade") ? "var/nproxy.pid.new" : "var/nproxy.pid");
        ProcessControl control = ProcessControl.install(base.resolve("var"), pidFile, home,
            configFile, version(), out, err);
        out.println("nproxy " + version() + " starting, pid " + pid);
        out.flush();
        NproxyServer server;
        try {
            // Jars in lib/ext/ are read again at every reload (a class loader per change).
            server = new NproxyServer(base, configFile, extDirs(home, base));
            server.start();
        } catch (ConfigException e) {
            control.failed(e);
            printErrors(e, err);
            err.println("nproxy: not started: configuration file " + configFile + " is invalid");
            return 1;
        } catch (Exception e) {
            control.failed(e);
            err.println("nproxy: not started: " + describe(e));
            return 1;
        }
        out.println("nproxy " + version() + " started, pid " + pid + ", listening on " + server.listenerSummary());
        out.flush();
        return control.serve(server);
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
