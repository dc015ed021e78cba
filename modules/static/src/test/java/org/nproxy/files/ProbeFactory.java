package org.nproxy.files;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.strategy.AdaptiveExecutionStrategy;
import org.nproxy.spi.ConfigElement;
import org.nproxy.files.internal.BodySender;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * Test-only {@code <probe/>}: a wrapper that records, per request (keyed by its query string),
 * whether the chain ran on a Jetty selector and whether the response was completed there. A
 * thread has the selector's {@code AdaptiveExecutionStrategy.produce} on its stack only while
 * the selector runs a task in place; a thread that a task was handed to (the Dispatcher's or
 * the handler's virtual thread) does not. The response is not wrapped, so zero copy stays possible.
 */
public final class ProbeFactory implements HandlerFactory<Object> {
    /** What one request showed; {@code sendfileBytes} is the sendfile path's byte count, or null. */
    record Seen(boolean handledOnSelector, boolean completedOnSelector, boolean succeeded, Object sendfileBytes) {
    }

    static final Map<String, Seen> SEEN = new ConcurrentHashMap<>();

    @Override
    public String type() {
        return "probe";
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
                // The probe itself never blocks: it runs wherever the handler it wraps may run.
                Handler inner = getHandler();
                return inner == null ? InvocationType.NON_BLOCKING : inner.getInvocationType();
            }

            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String key = request.getHttpURI().getQuery();
                boolean handledOnSelector = onSelector();
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
                            SEEN.put(key, new Seen(handledOnSelector, onSelector(), succeeded,
                                org.nproxy.spi.RequestVariables.HANDLER_BYTES_SENT.get(request)));
                        }
                    }
                });
            }
        };
    }

    static boolean onSelector() {
        return StackWalker.getInstance().walk(frames ->
            frames.anyMatch(f -> f.getClassName().equals(AdaptiveExecutionStrategy.class.getName())
                && f.getMethodName().equals("produce")));
    }
}
