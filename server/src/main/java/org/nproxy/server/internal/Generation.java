package org.nproxy.server.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.nproxy.config.ListenConfig;
import org.nproxy.config.LocationConfig;
import org.nproxy.config.NproxyConfig;
import org.nproxy.config.ServerConfig;
import org.nproxy.routing.Locations;
import org.nproxy.routing.VirtualHosts;
import org.eclipse.jetty.server.Server;
import org.nproxy.config.ModuleCatalog;
import org.nproxy.spi.ModuleContext;
import org.nproxy.spi.Mount;
import org.nproxy.spi.Tracer;
import org.nproxy.config.ElementConfig;

/**
 * One configuration in service: validated config, started handler chains, the shared objects
 * they hold ({@link Leases}), and the count of requests still inside it. Reload builds a new generation beside the current
 * one, swaps, then drains and stops the old one.
 */
public final class Generation extends ContainerLifeCycle {
    private final long id;
    private final NproxyConfig config;
    private final Map<String, VirtualHosts<VirtualHost>> listeners;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final Leases leases;
    /** The {@code <tracing>}-like element's tracer, or null (no tracing: no per-request work). */
    private Tracer tracer;
    private volatile boolean retired;

    private Generation(long id, NproxyConfig config, Map<String, VirtualHosts<VirtualHost>> listeners, Leases leases) {
        this.id = id;
        this.config = config;
        this.listeners = listeners;
        this.leases = leases;
    }

    /**
     * Builds (does not start) the generation: every location's chain is created now. Shared
     * objects the handlers acquire are recorded in {@code leases} and released when the
     * generation stops; if building fails, they are released before the exception leaves.
     */
    public static Generation build(long id, NproxyConfig config, ModuleCatalog modules, Server jetty,
                                   SharedResources pool, Leases leases) throws Exception {
        try {
            Generation generation = build(id, config, (server, location) -> new GenerationContext(id, config, modules, jetty,
                pool, leases, mount(server, location)), leases);
            generation.tracer = openWithGeneration(new GenerationContext(id, config, modules, jetty, pool, leases, null), config);
            return generation;
        } catch (Exception | Error e) {
            leases.releaseAll();
            throw e;
        }
    }

    private static Generation build(long id, NproxyConfig config,
                                    java.util.function.BiFunction<ServerConfig, LocationConfig, ModuleContext> contexts,
                                    Leases leases) throws Exception {
        Map<ServerConfig, VirtualHost> hosts = new HashMap<>();
        List<Handler> handlers = new ArrayList<>();
        for (ServerConfig server : config.servers()) {
            List<Route> routes = new ArrayList<>();
            for (LocationConfig location : server.locations()) {
                Route route = ChainBuilder.build(location, contexts.apply(server, location));
                routes.add(route);
                handlers.add(route.handler());
            }
            hosts.put(server, new VirtualHost(server, new Locations<>(routes, Route::config)));
        }
        Map<String, VirtualHosts<VirtualHost>> listeners = new HashMap<>();
        config.serversByListener().forEach((key, servers) -> listeners.put(key, new VirtualHosts<>(
            servers.stream().map(hosts::get).toList(),
            vh -> vh.config().names(),
            vh -> vh.config().isDefault())));
        Generation generation = new Generation(id, config, Map.copyOf(listeners), leases);
        for (Handler h : handlers) {
            generation.addManaged(h);
        }
        return generation;
    }

    /** Opens the elements that open with every generation; returns the tracer among them, or null. */
    private static Tracer openWithGeneration(GenerationContext context, NproxyConfig config) throws Exception {
        Tracer tracer = null;
        String tracerElement = null;
        for (Map<String, ElementConfig> byName : config.elements().values()) {
            for (ElementConfig e : byName.values()) {
                if (!e.factory().opensWithGeneration()) {
                    continue;
                }
                Object part = context.resource(e.type(), e.name(), Object.class);
                if (part instanceof Tracer t) {
                    if (tracer != null) {
                        throw new IllegalStateException("two tracers: <" + tracerElement + "> and <" + e.type()
                            + "> at " + e.origin() + "; keep one");
                    }
                    tracer = t;
                    tracerElement = e.type();
                }
            }
        }
        return tracer;
    }

    /** The tracer of this generation, or null when none is configured. */
    public Tracer tracer() {
        return tracer;
    }

    private static Mount mount(ServerConfig server, LocationConfig location) {
        String prefix = switch (location.modifier()) {
            case PREFIX, PREFIX_NO_REGEX, EXACT -> location.pattern();
            default -> null;
        };
        return new Mount(server.label(), server.names(), server.index(),
            server.listens().stream().map(ListenConfig::key).distinct().toList(), location.path(), prefix);
    }

    /** Stops the handlers, then lets go of the shared objects this generation held. */
    @Override
    protected void doStop() throws Exception {
        try {
            super.doStop();
        } finally {
            leases.releaseAll();
        }
    }

    public long id() {
        return id;
    }

    public NproxyConfig config() {
        return config;
    }

    /** Virtual hosts of a listener ({@link ListenConfig#key()}), or null if this generation lacks it. */
    public VirtualHosts<VirtualHost> listener(String key) {
        return listeners.get(key);
    }

    /** Enters a request; false when the generation is retired (the caller takes the new one). */
    public boolean enter() {
        inFlight.incrementAndGet();
        if (retired) {
            exit();
            return false;
        }
        return true;
    }

    /** Counts in a request on a listener that only this retired generation still serves. */
    public void enterDraining() {
        inFlight.incrementAndGet();
    }

    public void exit() {
        if (inFlight.decrementAndGet() == 0 && retired) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Marks the generation as replaced; no new request enters it. */
    public void retire() {
        retired = true;
    }

    /** Waits until in-flight work is done or the timeout passes; returns what is left. */
    public int awaitDrained(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                idle.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        } finally {
            lock.unlock();
        }
        return inFlight.get();
    }

    @Override
    public String toString() {
        return "generation " + id;
    }
}
