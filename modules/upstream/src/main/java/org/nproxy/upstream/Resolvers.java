package org.nproxy.upstream;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.nproxy.upstream.PeerConfig;
import org.nproxy.spi.Units;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code resolve="30s"}: looks peer host names up again on a timer, one virtual thread per peer
 * address, off the request path. The address found is kept in the peer's {@link PeerState}, so
 * new connections go to it ({@link PeerState#connectHost}) while health and failure counts stay
 * with the peer; a change is logged. A failed lookup keeps the last address.
 *
 * <p>Lookups go through the JVM's resolver and so through its cache
 * ({@code networkaddress.cache.ttl}, 30 s by default): a name change is seen after at most the
 * cache time plus the interval.
 *
 * <p>Reference counted like the health checks: a reload keeps the timer (with the newest
 * interval); when the last group using a peer stops, its timer stops and connections go to the
 * configured name again.
 */
final class Resolvers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Resolvers.class);

    /** A running timer, its users and its interval. */
    private static final class Timer {
        Thread thread;
        int users;
        volatile Duration interval;
    }

    private final Map<String, Timer> timers = new HashMap<>(); // by peer address, guarded by this
    private boolean closed;

    /** Starts re-resolving the peer's name every {@code interval}, or joins the timer already running. */
    synchronized void acquire(PeerConfig peer, PeerState state, Duration interval) {
        if (closed || isLiteral(peer.host())) {
            return;
        }
        Timer t = timers.computeIfAbsent(peer.address(), a -> new Timer());
        t.interval = interval;
        if (t.users++ == 0) {
            t.thread = Thread.ofVirtual().name("resolve-" + peer.address()).start(() -> loop(peer, state, t));
        }
    }

    synchronized void release(PeerConfig peer, PeerState state) {
        Timer t = timers.get(peer.address());
        if (t != null && --t.users <= 0) {
            timers.remove(peer.address());
            t.thread.interrupt();
            state.resolved(null);
        }
    }

    private void loop(PeerConfig peer, PeerState state, Timer self) {
        boolean failing = false;
        while (true) {
            InetAddress found = null;
            String why = null;
            try {
                found = choose(InetAddress.getAllByName(peer.host()), state.resolved());
            } catch (UnknownHostException e) {
                why = e.toString();
            }
            synchronized (this) {
                if (closed || timers.get(peer.address()) != self) {
                    return; // released while looking up: leave the state alone
                }
                InetAddress old = state.resolved();
                if (found != null && !found.equals(old)) {
                    state.resolved(found);
                    LOG.info("upstream peer {}: address {} -> {} (resolved every {})", peer.address(),
                        old == null ? "none" : old.getHostAddress(), found.getHostAddress(), Units.format(self.interval));
                }
                if (found == null && !failing) {
                    LOG.warn("upstream peer {}: cannot resolve {} ({}); keeping {}", peer.address(), peer.host(), why,
                        old == null ? "the name, resolved per connection" : old.getHostAddress());
                }
                failing = found == null;
            }
            try {
                Thread.sleep(self.interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The current address while the name still has it (no churn between equal answers), else the first. */
    private static InetAddress choose(InetAddress[] all, InetAddress current) {
        for (InetAddress a : all) {
            if (a.equals(current)) {
                return a;
            }
        }
        return all[0];
    }

    /** An IPv4 or IPv6 literal: nothing to resolve. */
    static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    @Override
    public synchronized void close() {
        closed = true;
        timers.values().forEach(t -> t.thread.interrupt());
        timers.clear();
    }
}
