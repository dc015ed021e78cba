package org.nproxy.upstream;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.nproxy.upstream.HealthCheckConfig;
import org.nproxy.upstream.PeerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks of one upstream group: one virtual thread per peer probing every
 * {@code interval} (plus up to 10% jitter so peers are not probed in lock step). A probe is a TCP
 * connect or an HTTP request on its own connection (never a pooled one a user request waits
 * for). {@code fall} failures in a row take the peer out, {@code rise} successes bring it back.
 * Checkers live as long as their group's runtime: a reload that keeps the group keeps them running.
 */
final class HealthChecks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecks.class);

    /** A running checker and how many started handlers use it. */
    private static final class Checker {
        Thread thread;
        int users;
    }

    private static final java.util.concurrent.atomic.AtomicInteger RUNNING = new java.util.concurrent.atomic.AtomicInteger();

    private final Map<String, Checker> checkers = new ConcurrentHashMap<>();
    private volatile HttpClient probeClient;
    private volatile boolean closed;

    static String key(PeerConfig peer, HealthCheckConfig check) {
        return peer.address() + "|" + check.type() + "|" + check.method() + "|" + check.path() + "|"
            + check.host() + "|" + check.status() + "|" + check.body() + "|" + check.interval() + "|"
            + check.timeout() + "|" + check.rise() + "|" + check.fall();
    }

    /**
     * Starts probing unless a checker with the same settings already runs. Reference counted by
     * the handlers that use it: a reload starts the new generation (count 2) before it stops the
     * old one (count 1), so checkers keep running; a peer removed from the config loses its last
     * user and its checker stops.
     */
    synchronized void acquire(PeerConfig peer, PeerState state, HealthCheckConfig check) {
        if (closed) {
            return;
        }
        Checker c = checkers.computeIfAbsent(key(peer, check), k -> new Checker());
        if (c.users++ == 0) {
            c.thread = Thread.ofVirtual().name("health-" + peer.address()).start(() -> loop(peer, state, check, c));
        }
    }

    synchronized void release(PeerConfig peer, HealthCheckConfig check) {
        String key = key(peer, check);
        Checker c = checkers.get(key);
        if (c != null && --c.users <= 0) {
            checkers.remove(key);
            c.thread.interrupt();
        }
    }

    /** Probe loops running now in this JVM. */
    static int running() {
        return RUNNING.get();
    }

    private void loop(PeerConfig peer, PeerState state, HealthCheckConfig check, Checker self) {
        RUNNING.incrementAndGet();
        try {
            probeLoop(peer, state, check);
        } finally {
            RUNNING.decrementAndGet();
        }
    }

    private void probeLoop(PeerConfig peer, PeerState state, HealthCheckConfig check) {
        long interval = check.interval().toMillis();
        while (!closed && !Thread.currentThread().isInterrupted()) {
            boolean ok;
            String why = "";
            try {
                String host = state.connectHost(peer.host()); // where user traffic goes too
                ok = check.type().equals("tcp") ? tcp(host, peer, check) : http(host, peer, check);
                if (!ok) {
                    why = "unexpected response";
                }
            } catch (Exception e) {
                ok = false;
                why = e.toString();
            }
            if (closed || Thread.currentThread().isInterrupted()) {
                return;
            }
            if (state.probe(ok, check.rise(), check.fall())) {
                if (ok) {
                    LOG.info("upstream peer {} is up again (health check passed {} times)", peer.address(), check.rise());
                } else {
                    LOG.warn("upstream peer {} is down: health check failed {} times ({})", peer.address(), check.fall(), why);
                }
            }
            try {
                Thread.sleep(interval + ThreadLocalRandom.current().nextLong(Math.max(1, interval / 10)));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static boolean tcp(String host, PeerConfig peer, HealthCheckConfig check) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, peer.port()), (int) check.timeout().toMillis());
            return true;
        }
    }

    private boolean http(String host, PeerConfig peer, HealthCheckConfig check) throws Exception {
        ContentResponse r = client().newRequest(host, peer.port())
            .method(check.method())
            .path(check.path())
            .headers(h -> {
                h.put(HttpHeader.HOST, check.host() != null ? check.host() : peer.address());
                h.put(HttpHeader.CONNECTION, "close");
            })
            .timeout(check.timeout().toMillis(), TimeUnit.MILLISECONDS)
            .send();
        if (!statusMatches(check.status(), r.getStatus())) {
            return false;
        }
        return check.body() == null || new String(r.getContent(), StandardCharsets.UTF_8).contains(check.body());
    }

    /** {@code 200-399} or {@code 200,204,300-399}. */
    static boolean statusMatches(String spec, int status) {
        for (String part : spec.split(",")) {
            int dash = part.indexOf('-');
            int lo = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
            int hi = dash < 0 ? lo : Integer.parseInt(part.substring(dash + 1));
            if (status >= lo && status <= hi) {
                return true;
            }
        }
        return false;
    }

    private HttpClient client() throws Exception {
        HttpClient c = probeClient;
        if (c == null) {
            synchronized (this) {
                c = probeClient;
                if (c == null) {
                    c = new HttpClient(new HttpClientTransportOverHTTP(1));
                    QueuedThreadPool threads = new QueuedThreadPool(8, 1);
                    threads.setName("health-probes");
                    threads.setDaemon(true);
                    c.setExecutor(threads);
                    c.setFollowRedirects(false);
                    c.setHttpCookieStore(new HttpCookieStore.Empty());
                    c.setConnectTimeout(2000);
                    c.start();
                    probeClient = c;
                }
            }
        }
        return c;
    }

    @Override
    public void close() {
        closed = true;
        checkers.values().forEach(c -> c.thread.interrupt());
        checkers.clear();
        HttpClient c = probeClient;
        if (c != null) {
            try {
                c.stop();
            } catch (Exception e) {
                LOG.debug("stopping probe client", e);
            }
        }
    }
}
