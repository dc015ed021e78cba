package org.nproxy.server.internal;

import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.routing.VirtualHosts;
import org.nproxy.server.internal.tls.BatchingSslConnection;
import org.nproxy.server.internal.tls.TlsPolicy;
import org.nproxy.spi.Handlers;
import org.nproxy.spi.RequestVariables;
import org.nproxy.spi.TraceContext;
import org.nproxy.spi.Tracer;

/**
 * The root of request handling: current generation, then virtual host (by {@code Host}; 421
 * when it disagrees with the TLS SNI, see {@link TlsPolicy}), then
 * location (by decoded, normalized path), then the location's chain. Counts each request into
 * its generation until the response completes, so a reload can drain it.
 */
public final class Dispatcher extends Handler.Abstract {
    /** Request attribute holding the {@link Generation} that serves the request. */
    public static final String GENERATION = "nproxy.generation";

    private final AtomicReference<Generation> current = new AtomicReference<>();
    /** Listeners a reload removed keep routing with the generation that last had them. */
    private final Map<String, Generation> removedListeners = new ConcurrentHashMap<>();

    /** Where blocking chains run; fixed with the server's thread pool, so taken once at start. */
    private Executor blockingExecutor;

    @Override
    protected void doStart() throws Exception {
        blockingExecutor = Handlers.blockingExecutor(getServer().getThreadPool());
        super.doStart();
    }

    public Generation current() {
        return current.get();
    }

    /** Installs a generation; returns the one it replaces (already retired), or null. */
    public Generation swap(Generation next) {
        Generation previous = current.getAndSet(next);
        if (previous != null) {
            removedListeners.values().removeIf(g -> g.isStopped() || g.isStopping());
            for (String key : previous.config().listeners().keySet()) {
                if (next.listener(key) == null) {
                    removedListeners.put(key, previous);
                } else {
                    removedListeners.remove(key);
                }
            }
            previous.retire();
        }
        return previous;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        // Runs in place on the thread that read the request: its h2 answer may join the others of that read.
        BatchingSslConnection.BatchingEndPoint batch = BatchingSslConnection.inline(request);
        try {
            return route(request, response, callback);
        } finally {
            if (batch != null) {
                batch.exitInline();
            }
        }
    }

    private boolean route(Request request, Response response, Callback callback) throws Exception {
        Connector connector = request.getConnectionMetaData().getConnector();
        String listenerKey = connector.getName();
        Generation generation = enter(listenerKey);
        if (generation == null) {
            Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
            return true;
        }
        Exiting exiting = new Exiting(callback, generation, response);
        try {
            request.setAttribute(GENERATION, generation);
            Tracer tracer = generation.tracer();
            if (tracer != null) {
                exiting.trace(TraceContext.start(request, tracer), request);
            }
            VirtualHosts<VirtualHost> hosts = generation.listener(listenerKey);
            VirtualHost host = hosts.select(Request.getServerName(request));
            RequestVariables.VHOST.set(request, host.config().label());
            if (TlsPolicy.apply(request, response, exiting, hosts, host, host.config())) {
                return true;
            }
            Route route = host.locations().match(Request.getPathInContext(request));
            if (route == null) {
                Response.writeError(request, response, exiting, HttpStatus.NOT_FOUND_404);
                return true;
            }
            RequestVariables.LOCATION.set(request, route.config().label());
            RequestVariables.HANDLER.set(request, route.handlerLabel());
            exiting.measure(route.meters(), request.getBeginNanoTime());
            if (route.nonBlocking()) {
                invoke(route, request, response, exiting);
            } else {
                blockingExecutor.execute(() -> {
                    try {
                        invoke(route, request, response, exiting);
                    } catch (Throwable t) {
                        exiting.failed(t); // Jetty answers 500 if nothing was sent yet
                    }
                });
            }
            return true;
        } catch (Throwable t) {
            exiting.exitOnce();
            throw t;
        }
    }

    private static void invoke(Route route, Request request, Response response, Callback callback) throws Exception {
        if (!route.handler().handle(request, response, callback)) {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
    }

    /**
     * Non-blocking for Jetty: routing is CPU-only work, so the selector may run it in place.
     * Chains whose handlers all declare {@link InvocationType#NON_BLOCKING} (such as
     * {@code return} and {@code proxy}) then run in place too, with no thread hand-off; every
     * other chain (the default for handlers: blocking code) is handed to a virtual thread.
     */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    private Generation enter(String listenerKey) {
        for (int attempt = 0; attempt < 100; attempt++) {
            Generation g = current.get();
            if (g == null) {
                return null;
            }
            if (g.listener(listenerKey) == null) {
                g = removedListeners.get(listenerKey);
                if (g == null) {
                    return null;
                }
                // A removed listener drains with its old generation, which is retired: count it in anyway.
                g.enterDraining();
                return g;
            }
            if (g.enter()) {
                return g;
            }
        }
        return null;
    }

    /**
     * Counts the request into its location's meters (once routed), completes the request's
     * callback, then leaves the generation, each exactly once.
     */
    private static final class Exiting extends Callback.Nested {
        private final Generation generation;
        private final Response response;
        private final AtomicBoolean exited = new AtomicBoolean();
        private final AtomicBoolean counted = new AtomicBoolean();
        private RouteMeters meters;
        private long beginNanos;
        /** The request's trace when a tracer records it, else null. */
        private TraceContext trace;
        private Request request;

        Exiting(Callback callback, Generation generation, Response response) {
            super(callback);
            this.generation = generation;
            this.response = response;
        }

        void measure(RouteMeters meters, long beginNanos) {
            this.meters = meters;
            this.beginNanos = beginNanos;
        }

        void trace(TraceContext trace, Request request) {
            this.trace = trace;
            this.request = request;
        }

        /** A throw out of {@code handle}: Jetty answers 500. */
        void exitOnce() {
            count(500);
            leave();
        }

        /**
         * Counts the request before the callback completes, so that a client that got its
         * response finds it counted (a scrape right after sees it).
         *
         * @param status the status to count, or -1 for the response's own
         */
        private void count(int status) {
            RouteMeters m = meters;
            TraceContext t = trace;
            if ((m != null || t != null) && counted.compareAndSet(false, true)) {
                int code = status < 0 ? response.getStatus() : status;
                if (m != null) {
                    m.record(code, System.nanoTime() - beginNanos);
                }
                if (t != null) {
                    t.tracer().serverSpan(request, t, code, System.nanoTime() - request.getBeginNanoTime());
                }
            }
        }

        private void leave() {
            if (exited.compareAndSet(false, true)) {
                generation.exit();
            }
        }

        @Override
        public void succeeded() {
            try {
                count(-1);
                super.succeeded();
            } finally {
                leave();
            }
        }

        @Override
        public void failed(Throwable x) {
            try {
                // Not committed: Jetty answers 500; committed: the client saw a cut response.
                count(response.isCommitted() ? response.getStatus() : 500);
                super.failed(x);
            } finally {
                leave();
            }
        }
    }
}
