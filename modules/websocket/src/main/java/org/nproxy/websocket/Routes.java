package org.nproxy.websocket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.nproxy.spi.Units;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tunnel routes that running configuration generations still have. A route is what a tunnel
 * was opened through: listener, virtual host, location and the upstream group of its
 * {@code <websocket>}. Each started {@link WebSocketHandler} registers its routes. When one stops
 * (its generation was replaced and has drained), the tunnels on routes no running handler has any
 * more get a close 1001 on both sides once that generation's {@code drain-timeout} has passed
 * since the reload, the grace its in-flight requests had; a reload that brings the route back
 * before then keeps them.
 */
final class Routes {
    private static final Logger LOG = LoggerFactory.getLogger("nproxy.websocket");
    static final String CLOSE_REASON = "route removed by reload";

    /**
     * A tunnel's route.
     *
     * @param server   the server block's first name, {@code _} when it has none (as {@code $vhost})
     * @param location the location's modifier and pattern, e.g. {@code ^~ /ws/}
     */
    record Key(String listener, String server, String location, String upstream) {
        @Override
        public String toString() {
            return "listener " + listener + ", server " + server + ", location '" + location + "', upstream '"
                + upstream + "'";
        }
    }

    /** The routes of one handler (one per listener of its server block), registered while it runs. */
    static final class Registration {
        private final String server;
        private final String location;
        private final String upstream;
        private final Set<Key> keys = new HashSet<>();
        /** The generation number of the handler (ModuleContext#generation). */
        private final Object generation;
        private final Duration drainTimeout;
        // Guarded by the Routes instance.
        private long startedNanos;
        private boolean retired;
        private long retiredDeadline;

        Registration(Collection<String> listeners, String server, String location, String upstream,
                     Object generation, Duration drainTimeout) {
            this.server = server;
            this.location = location;
            this.upstream = upstream;
            this.generation = generation;
            this.drainTimeout = drainTimeout;
            listeners.forEach(l -> keys.add(key(l)));
        }

        /** The route of a tunnel opened through this listener. */
        Key key(String listener) {
            return new Key(listener, server, location, upstream);
        }
    }

    /** When a tunnel without route gets its 1001, and the grace it had (for the log). */
    private record Pending(long deadlineNanos, Duration grace) {
    }

    private final Collection<Tunnel> live;
    private final Scheduler scheduler;
    private final Map<Key, Integer> registered = new HashMap<>();
    private final Set<Registration> running = new HashSet<>();
    private final Map<Tunnel, Pending> pending = new HashMap<>();
    private boolean stopping;
    /** The one timer, set for the earliest pending deadline. */
    private Scheduler.Task timer;
    private long timerDeadline;

    Routes(Collection<Tunnel> live, Scheduler scheduler) {
        this.live = live;
        this.scheduler = scheduler;
    }

    /** A handler started: its routes exist. */
    synchronized void register(Registration r) {
        if (running.add(r)) {
            r.startedNanos = System.nanoTime();
            r.keys.forEach(k -> registered.merge(k, 1, Integer::sum));
        }
    }

    /** A handler stopped: its tunnels whose route no running handler has are closed at the deadline. */
    void unregister(Registration r) {
        long deadline;
        int count = 0;
        synchronized (this) {
            if (!running.remove(r)) {
                return;
            }
            r.keys.forEach(k -> registered.computeIfPresent(k, (key, n) -> n == 1 ? null : n - 1));
            if (stopping) {
                return;
            }
            long now = System.nanoTime();
            // The reload happened when the next generation started; the first of its handlers tells when.
            // Without one (no <websocket> left in the configuration) the stop itself is the earliest sure time.
            long reload = now;
            for (Registration other : running) {
                if (!other.generation.equals(r.generation) && other.startedNanos - r.startedNanos > 0
                    && other.startedNanos - reload < 0) {
                    reload = other.startedNanos;
                }
            }
            deadline = reload + r.drainTimeout.toNanos();
            if (deadline - now < 0) {
                deadline = now;
            }
            r.retired = true;
            r.retiredDeadline = deadline;
            for (Tunnel t : live) {
                if (r.keys.contains(t.route()) && !registered.containsKey(t.route())) {
                    pending.put(t, new Pending(deadline, r.drainTimeout));
                    count++;
                }
            }
            if (count == 0) {
                return;
            }
            schedule(deadline);
        }
        LOG.info("{} WebSocket tunnel(s) lost their route with a reload; closing them with 1001 in {}ms unless a "
            + "reload brings it back", count, Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }

    /** A tunnel opened; one that its handler's stop did not see yet is closed at that handler's deadline. */
    synchronized void opened(Tunnel t) {
        Registration r = t.openedBy();
        if (stopping || !r.retired || registered.containsKey(t.route())) {
            return;
        }
        pending.put(t, new Pending(r.retiredDeadline, r.drainTimeout));
        schedule(r.retiredDeadline);
    }

    synchronized void ended(Tunnel t) {
        pending.remove(t);
    }

    /** The server is stopping: it closes every tunnel itself. */
    synchronized void serverStopping() {
        stopping = true;
        pending.clear();
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /** Sets the timer for this deadline unless it is already set for one as early. Holding the lock. */
    private void schedule(long deadlineNanos) {
        if (timer != null && timerDeadline - deadlineNanos <= 0) {
            return;
        }
        if (timer != null) {
            timer.cancel();
        }
        timerDeadline = deadlineNanos;
        timer = scheduler.schedule(this::closeDue, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void closeDue() {
        List<Map.Entry<Tunnel, Pending>> due = new ArrayList<>();
        int kept = 0;
        synchronized (this) {
            timer = null;
            long now = System.nanoTime();
            long next = 0;
            boolean more = false;
            for (Iterator<Map.Entry<Tunnel, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Tunnel, Pending> e = it.next();
                long deadline = e.getValue().deadlineNanos();
                if (deadline - now > 0) {
                    if (!more || deadline - next < 0) {
                        next = deadline;
                    }
                    more = true;
                    continue;
                }
                it.remove();
                if (registered.containsKey(e.getKey().route())) {
                    kept++;
                } else {
                    due.add(e);
                }
            }
            if (more) {
                schedule(next);
            }
        }
        if (kept > 0) {
            LOG.info("{} WebSocket tunnel(s) kept: a reload brought their route back", kept);
        }
        for (Map.Entry<Tunnel, Pending> e : due) {
            Tunnel t = e.getKey();
            LOG.info("tunnel {}: closing with 1001 after drain-timeout {}: {}", t.label(),
                Units.format(e.getValue().grace()), why(t.route()));
            t.closeBoth(CloseStatus.SHUTDOWN, CLOSE_REASON);
        }
    }

    private synchronized String why(Key route) {
        for (Key k : registered.keySet()) {
            if (k.listener().equals(route.listener()) && k.server().equals(route.server())
                && k.location().equals(route.location())) {
                return "a reload pointed its location to upstream '" + k.upstream() + "' (" + route + ")";
            }
        }
        return "a reload removed its route (" + route + ")";
    }
}
