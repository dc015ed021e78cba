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
import org.nproxy.spi.ModuleContext;

/**
 * One configuration in service: validated config, started handler chains, and the count of
 * requests (and tunnels) still inside it. Reload builds a new generation beside the current
 * one, swaps, then drains and stops the old one.
 */
public final class Generation extends ContainerLifeCycle {
    private final long id;
    private final NproxyConfig config;
    private final Map<String, VirtualHosts<VirtualHost>> listeners;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private volatile boolean retired;

    private Generation(long id, NproxyConfig config, Map<String, VirtualHosts<VirtualHost>> listeners) {
        this.id = id;
        this.config = config;
        this.listeners = listeners;
    }

    /** Builds (does not start) the generation: every location's chain is created now. */
    public static Generation build(long id, NproxyConfig config, ModuleContext context) throws Exception {
        Map<ServerConfig, VirtualHost> hosts = new HashMap<>();
        List<Handler> handlers = new ArrayList<>();
        for (ServerConfig server : config.servers()) {
            List<Route> routes = new ArrayList<>();
            for (LocationConfig location : server.locations()) {
                Route route = ChainBuilder.build(location, context);
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
        Generation generation = new Generation(id, config, Map.copyOf(listeners));
        for (Handler h : handlers) {
            generation.addManaged(h);
        }
        return generation;
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
