package org.nproxy.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * Test-only {@code <thread-probe/>}: a wrapper put before a {@code <cache>} that records, per
 * request (keyed by its {@code X-Probe} field), whether the chain ran on the thread that parsed
 * the request and whether the response completed there, on that same thread. The parsing thread
 * has Jetty's HTTP/1 {@code HttpConnection.onFillable} on its stack (the selector running it in
 * place, or the thread that finished the previous request going on with the next one); a virtual
 * thread a task was handed to (the Dispatcher's or the cache's) does not.
 */
public final class ThreadProbeFactory implements HandlerFactory<Object> {
    /** What one request showed. */
    record Seen(boolean handledOnParsingThread, boolean completedOnParsingThread, boolean sameThread,
                boolean succeeded) {
        /** Handled and completed on the parsing thread, with no hand-off between. */
        boolean inPlace() {
            return handledOnParsingThread && completedOnParsingThread && sameThread;
        }
    }

    static final Map<String, Seen> SEEN = new ConcurrentHashMap<>();

    @Override
    public String type() {
        return "thread-probe";
    }

    @Override
    public Object bind(ConfigElement element, BindContext context) {
        return "probe";
    }

    @Override
    public Handler create(Object settings, ModuleContext context) {
        return new Handler.Wrapper() {
            @Override
            public InvocationType getInvocationType() {
                // never blocks itself: it runs wherever the handler it wraps may run
                Handler inner = getHandler();
                return inner == null ? InvocationType.NON_BLOCKING : inner.getInvocationType();
            }

            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String key = request.getHeaders().get("X-Probe");
                boolean handledOnParsingThread = onParsingThread();
                Thread handling = Thread.currentThread();
                return super.handle(request, response, new Callback.Nested(callback) {
                    @Override
                    public void succeeded() {
                        record(true);
                        super.succeeded();
                    }

                    @Override
                    public void failed(Throwable x) {
                        record(false);
                        super.failed(x);
                    }

                    private void record(boolean succeeded) {
                        if (key != null) {
                            SEEN.put(key, new Seen(handledOnParsingThread, onParsingThread(),
                                Thread.currentThread() == handling, succeeded));
                        }
                    }
                });
            }
        };
    }

    static boolean onParsingThread() {
        return StackWalker.getInstance().walk(frames ->
            frames.anyMatch(f -> f.getClassName().equals(HTTP1_CONNECTION) && f.getMethodName().equals("onFillable")));
    }

    /** Named, not imported: no {@code org.eclipse.jetty.*.internal} imports (LayeringTest). */
    private static final String HTTP1_CONNECTION = "org.eclipse.jetty.server.internal.HttpConnection";
}
