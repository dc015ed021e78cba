package org.nproxy.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.nproxy.config.ConfigException;
import org.nproxy.config.ConfigLoader;
import org.nproxy.config.ListenConfig;
import org.nproxy.config.NproxyConfig;
import org.nproxy.server.internal.AccessLog;
import org.nproxy.server.internal.Dispatcher;
import org.nproxy.server.internal.Generation;
import org.nproxy.server.internal.Leases;
import org.nproxy.server.internal.Listener;
import org.nproxy.server.internal.SharedResources;
import org.nproxy.server.internal.Handover;
import org.nproxy.server.internal.PortProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running Nproxy: one Jetty {@link Server} on virtual threads, its listeners, and the
 * current {@link Generation}. {@link #reload()} swaps generations without dropping a request;
 * {@link #stop()} stops accepting, drains in-flight requests up to the shutdown timeout, and
 * reports what it drained or cut.
 */
public final class NproxyServer {
    private static final Logger LOG = LoggerFactory.getLogger(NproxyServer.class);

    private final Path base;
    private final Path configFile;
    /** A registry fixed for the server's life (tests), or null: one per lib/ext/ content. */
    private final ModuleRegistry fixedRegistry;
    private final List<Path> extDirs;
    private final SharedResources pool = new SharedResources();
    private final Map<String, Listener> connectors = new LinkedHashMap<>();
    private final Dispatcher dispatcher = new Dispatcher();
    private final Handover handover = new Handover(dispatcher);
    private final org.nproxy.server.internal.ConfigMeters configMeters = new org.nproxy.server.internal.ConfigMeters(
        pool.meters(), () -> dispatcher.current() == null ? 0 : dispatcher.current().id());
    private final AccessLog accessLog = new AccessLog();
    private Server server;
    private GracefulHandler graceful;
    private long nextGeneration = 1;

    /** What a reload did. */
    public record ReloadResult(boolean ok, long generation, String message) {
    }

    /** What a stop did. */
    public record StopReport(int inFlight, int drained, int cut, long millis) {
        @Override
        public String toString() {
            return "stopped in " + millis + "ms: " + inFlight + " in-flight request(s), " + drained + " drained, "
                + cut + " cut";
        }
    }

    /** A server whose modules are fixed: {@code lib/ext/} changes are not picked up on reload. */
    public NproxyServer(Path base, Path configFile, ModuleRegistry registry) {
        this.base = Objects.requireNonNull(base, "base").toAbsolutePath().normalize();
        this.configFile = Objects.requireNonNull(configFile, "configFile");
        this.fixedRegistry = Objects.requireNonNull(registry, "registry");
        this.extDirs = null;
    }

    /**
     * A server that reads the jars of {@code extDirs} at start and again at every reload: a jar
     * added or replaced there is used by the next generation; the class loader of the old jars
     * goes away once the last generation using it has drained.
     */
    public NproxyServer(Path base, Path configFile, List<Path> extDirs) {
        this.base = Objects.requireNonNull(base, "base").toAbsolutePath().normalize();
        this.configFile = Objects.requireNonNull(configFile, "configFile");
        this.fixedRegistry = null;
        this.extDirs = List.copyOf(extDirs);
    }

    /** The modules for a new generation, held by its leases (one registry per lib/ext/ content). */
    private ModuleRegistry registry(Leases leases) throws Exception {
        if (fixedRegistry != null) {
            return fixedRegistry;
        }
        return (ModuleRegistry) leases.acquire(pool, ExtJars.fingerprint(extDirs), () -> ModuleRegistry.load(extDirs));
    }

    /**
     * {@code -Dnproxy.threads}: {@code virtual} (default: Jetty's VirtualThreadPool, selectors and
     * requests all on virtual threads; measured fastest here, bench/run.sh return-1k and proxy-1k),
     * {@code hybrid} (platform selector threads, each request on a virtual thread) or
     * {@code platform} (a bounded platform pool; blocking handlers then hold pool threads).
     * {@code -Dnproxy.threads.max} bounds the concurrent virtual threads (default 10,000; 0: none).
     */
    private static org.eclipse.jetty.util.thread.ThreadPool threadPool() {
        String mode = System.getProperty("nproxy.threads", "virtual");
        if (mode.equals("virtual")) {
            // Jetty's default caps concurrent tasks at 200: 200 slow upstreams or downloads would
            // queue every other request behind them. Each request here is one cheap virtual thread.
            VirtualThreadPool threads = new VirtualThreadPool(Integer.getInteger("nproxy.threads.max", 10_000));
            threads.setName("nproxy");
            return threads;
        }
        QueuedThreadPool threads = new QueuedThreadPool(mode.equals("platform") ? 400 : 64, 4);
        threads.setName("nproxy");
        if (!mode.equals("platform")) {
            threads.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor("nproxy-req"));
        }
        return threads;
    }

    /** Loads and validates a configuration without starting anything. */
    public static NproxyConfig check(Path base, Path configFile, ModuleRegistry registry) throws ConfigException {
        return new ConfigLoader(base, registry).load(configFile);
    }

    /** Validates, builds and starts; throws {@link ConfigException} for a bad config. */
    public synchronized void start() throws Exception {
        Leases leases = new Leases();
        ModuleRegistry registry = registry(leases);
        NproxyConfig config;
        try {
            config = check(base, configFile, registry);
        } catch (ConfigException | RuntimeException e) {
            leases.releaseAll();
            throw e;
        }
        server = new Server(threadPool());
        server.setStopTimeout(config.global().shutdownTimeout().toMillis());
        graceful = new GracefulHandler(handover);
        // Static trees, so Jetty takes the Dispatcher's NON_BLOCKING type (dynamic containers
        // report BLOCKING and every request would cost a thread hand-off).
        graceful.setDynamic(false);
        server.setDynamic(false);
        server.setHandler(graceful);
        server.setRequestLog(accessLog);
        server.setErrorHandler(new org.nproxy.server.internal.ErrorPages());
        for (ListenConfig listen : config.listeners().values()) {
            connectors.put(listen.key(), Listener.create(server, listen,
                config.serversByListener().get(listen.key()), config.global(), base));
        }
        if (!Boolean.getBoolean("nproxy.upgrade")) {
            // Listeners bind with SO_REUSEPORT (for upgrade); a plain bind first keeps "address in use"
            // for a second instance on the same port. An upgrade's new process shares them on purpose.
            for (Listener c : connectors.values()) {
                PortProbe.check(c.config().host(), c.config().port());
            }
        }
        Generation generation = Generation.build(nextGeneration++, config, registry, server, pool, leases);
        try {
            generation.start();
            accessLog.configure(config.accessLog());
            dispatcher.swap(generation);
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
                generation.stop();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        LOG.info("nproxy started: {} ({}), listening on {}", configFile, generation, listenerSummary());
    }

    /**
     * Re-reads the configuration; on any error keeps the current generation serving. On success
     * the new generation takes new requests at once and the old one drains in the background.
     */
    public synchronized ReloadResult reload() {
        ReloadResult result = reloadOnce();
        configMeters.reloaded(result.ok());
        return result;
    }

    private ReloadResult reloadOnce() {
        Leases leases = new Leases();
        NproxyConfig config;
        ModuleRegistry registry;
        try {
            registry = registry(leases);
            config = check(base, configFile, registry);
        } catch (ConfigException e) {
            leases.releaseAll();
            LOG.warn("reload refused, still serving {}:\n{}", dispatcher.current(), e.getMessage());
            return new ReloadResult(false, dispatcher.current().id(), e.getMessage());
        } catch (Exception e) {
            leases.releaseAll();
            LOG.warn("reload refused, still serving {}: {}", dispatcher.current(), e.getMessage());
            return new ReloadResult(false, dispatcher.current().id(), "cannot load the modules: " + e.getMessage());
        }
        for (ListenConfig listen : config.listeners().values()) {
            Listener kept = connectors.get(listen.key());
            String why = kept == null ? null : kept.incompatibility(listen);
            if (why != null) {
                leases.releaseAll();
                LOG.warn("reload refused, still serving {}: {}", dispatcher.current(), why);
                return new ReloadResult(false, dispatcher.current().id(), why);
            }
        }
        Generation next;
        List<Listener> opened = new ArrayList<>();
        try {
            next = Generation.build(nextGeneration++, config, registry, server, pool, leases);
            next.start();
        } catch (Exception e) {
            leases.releaseAll();
            LOG.warn("reload refused: cannot start the new configuration, still serving {}", dispatcher.current(), e);
            return new ReloadResult(false, dispatcher.current().id(), "cannot start the new configuration: " + e);
        }
        // Everything that can fail comes first (new listeners, certificates, the log file); only
        // then does anything the running generation uses change.
        Map<Listener, org.nproxy.server.internal.tls.ListenerCertificates> certificates = new LinkedHashMap<>();
        try {
            for (ListenConfig listen : config.listeners().values()) {
                if (!connectors.containsKey(listen.key())) {
                    PortProbe.check(listen.host(), listen.port()); // see start()
                    Listener c = Listener.create(server, listen, config.serversByListener().get(listen.key()),
                        config.global(), base);
                    opened.add(c);
                    c.start();
                }
            }
            for (Map.Entry<String, Listener> e : connectors.entrySet()) {
                List<org.nproxy.config.ServerConfig> servers = config.serversByListener().get(e.getKey());
                if (servers != null) {
                    certificates.put(e.getValue(), e.getValue().prepare(servers));
                }
            }
            accessLog.configure(config.accessLog());
        } catch (Exception e) {
            for (Listener c : opened) {
                stopQuietly(c);
                c.removeFrom(server);
            }
            stopQuietly(next);
            LOG.warn("reload refused: {}; still serving {}", e.toString(), dispatcher.current());
            return new ReloadResult(false, dispatcher.current().id(), "cannot open listener: " + e.getMessage());
        }
        // Certificates are re-read with every reload: kept TLS listeners take the new ones.
        certificates.forEach((listener, next2) -> {
            try {
                listener.apply(next2);
            } catch (Exception e) {
                LOG.warn("{}: could not install the new certificates, keeping the old ones: {}", listener.config().key(), e.toString());
            }
        });
        for (Listener c : opened) {
            connectors.put(c.config().key(), c);
        }
        List<Listener> removed = new ArrayList<>();
        for (Map.Entry<String, Listener> e : connectors.entrySet()) {
            if (!config.listeners().containsKey(e.getKey())) {
                removed.add(e.getValue());
                e.getValue().shutdown(); // stop accepting; open connections drain with the old generation
            }
        }
        removed.forEach(c -> connectors.remove(c.config().key()));
        Generation old = dispatcher.swap(next);
        LOG.info("reloaded {}: {} replaces {} ({} in flight drain in the background), listening on {}",
            configFile, next, old, old.inFlight(), listenerSummary());
        long drainMillis = old.config().global().drainTimeout().toMillis();
        Thread.ofVirtual().name("drain-" + old.id()).start(() -> drain(old, removed, drainMillis));
        return new ReloadResult(true, next.id(), "reloaded: " + next + " serving");
    }

    private void drain(Generation old, List<Listener> removed, long millis) {
        try {
            int left = old.awaitDrained(millis);
            if (left > 0) {
                LOG.warn("{} drain timeout after {}ms: cutting {} request(s)", old, millis, left);
            } else {
                LOG.info("{} drained, stopping it", old);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Listener c : removed) {
            stopQuietly(c);
            c.removeFrom(server);
        }
        stopQuietly(old);
    }

    /**
     * Opens the access log again by its path ({@code SIGUSR1}, {@code nproxy.sh reopen}, after
     * logrotate moved it): every line goes to exactly one of the two files. Returns the path, or
     * null when the access log is off.
     */
    public Path reopenAccessLog() throws java.io.IOException {
        return accessLog.reopen();
    }

    /** Graceful stop: stop accepting, drain up to shutdown-timeout, stop. */
    public synchronized StopReport stop() throws Exception {
        long start = System.nanoTime();
        int inFlight = (int) graceful.getCurrentRequestCount();
        long timeout = dispatcher.current().config().global().shutdownTimeout().toMillis();
        for (Listener c : connectors.values()) {
            c.shutdown();
        }
        int cut = 0;
        try {
            graceful.shutdown().get(timeout, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            cut = (int) graceful.getCurrentRequestCount();
        }
        shutDown();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        StopReport report = new StopReport(inFlight, inFlight - cut, cut, millis);
        LOG.info("nproxy {}", report);
        return report;
    }

    /**
     * The old process of an upgrade: stops accepting (the new process, on the same ports, takes
     * every new connection), moves clients over ({@link Handover}), waits up to drain-timeout for
     * in-flight requests and open tunnels, then stops.
     */
    public synchronized Handover.Report handover() throws Exception {
        long timeout = dispatcher.current().config().global().drainTimeout().toMillis();
        for (Listener c : connectors.values()) {
            c.handOver();
        }
        LOG.info("nproxy handing over: stopped accepting, draining up to {}ms", timeout);
        Handover.Report report = handover.drain(connectors.values().stream().map(c -> (org.eclipse.jetty.server.Connector) c.tcp())
            .toList(), graceful, timeout);
        if (report.cut() > 0) {
            LOG.warn("nproxy handover: drain timeout after {}ms, cutting {} request(s)/tunnel(s)", timeout, report.cut());
        }
        shutDown();
        LOG.info("nproxy handed over: {}", report);
        return report;
    }

    private void shutDown() throws Exception {
        server.setStopTimeout(0); // drained above; no second graceful phase
        server.stop();
        Generation g = dispatcher.current();
        stopQuietly(g);
        accessLog.close();
        pool.closeAll();
    }

    public void join() throws InterruptedException {
        server.join();
    }

    /** The port a listener actually bound (useful with port 0), or -1. */
    public int port(String listenerKey) {
        Listener c = connectors.get(listenerKey);
        return c == null ? -1 : c.port();
    }

    /** The first listener's port. */
    public int port() {
        return connectors.values().iterator().next().port();
    }

    public Generation generation() {
        return dispatcher.current();
    }

    public Server jetty() {
        return server;
    }

    public String listenerSummary() {
        List<String> out = new ArrayList<>();
        connectors.forEach((key, c) -> out.add((c.config().tls() ? "https://" : "http://")
            + key.replaceAll(":\\d+$", "") + ":" + c.port() + (c.config().has("h3") ? " (+h3/udp)" : "")));
        return String.join(", ", out);
    }

    /** The shared objects alive now (upstream groups, zones, module registries), for tests. */
    public io.micrometer.core.instrument.MeterRegistry meters() {
        return pool.meters().registry();
    }

    public Map<Object, Object> sharedResources() {
        return pool.snapshot();
    }

    /** Where each TCP listener can be reached from this machine, {@code host:port} (for status probes). */
    public List<String> probeAddresses() {
        List<String> out = new ArrayList<>();
        connectors.forEach((key, c) -> {
            String host = c.config().host();
            host = host == null || host.isEmpty() || host.equals("0.0.0.0") ? "127.0.0.1"
                : host.equals("::") || host.equals("[::]") ? "::1" : host;
            out.add(host + ":" + c.port());
        });
        return out;
    }

    private static void stopQuietly(Listener listener) {
        try {
            listener.stop();
        } catch (Exception e) {
            LOG.warn("stopping {}: {}", listener.config().key(), e.toString());
        }
    }

    private static void stopQuietly(org.eclipse.jetty.util.component.LifeCycle lifeCycle) {
        try {
            lifeCycle.stop();
        } catch (Exception e) {
            LOG.warn("stopping {}: {}", lifeCycle, e.toString());
        }
    }
}
