package org.nproxy.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.thread.Invocable;
import org.nproxy.config.HandlerConfig;
import org.nproxy.config.LocationConfig;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * Assembles a location's handler chain from its elements, in order. A handler that is a
 * {@link Handler.Singleton} (e.g. a {@code Handler.Wrapper} such as a cache) gets the rest of
 * the chain as its inner handler; other handlers are tried in turn with {@link Handler.Sequence}
 * semantics (the first that returns {@code true} owns the request).
 */
public final class ChainBuilder {
    private ChainBuilder() {
    }

    public static Route build(LocationConfig location, ModuleContext context) throws Exception {
        List<Handler> created = new ArrayList<>();
        for (HandlerConfig h : location.handlers()) {
            Handler handler = create(h, context);
            if (handler == null) {
                throw new IllegalStateException("handler module <" + h.type() + "> returned no handler for "
                    + h.origin());
            }
            created.add(handler);
        }
        Handler next = null;
        for (int i = created.size() - 1; i >= 0; i--) {
            Handler h = created.get(i);
            if (next == null) {
                next = h;
            } else if (h instanceof Handler.Singleton wrapper && wrapper.getHandler() == null) {
                wrapper.setHandler(next);
                next = wrapper;
            } else {
                next = new Handler.Sequence(h, next);
            }
        }
        if (next == null) {
            throw new IllegalStateException("location " + location.path() + " at " + location.origin()
                + " has no handler; the loader should have rejected it");
        }
        next.setServer(context.server());
        String label = location.handlers().stream().map(HandlerConfig::type).collect(Collectors.joining(">"));
        boolean nonBlocking = created.stream().allMatch(ChainBuilder::declaresNonBlocking);
        return new Route(location, next, label, nonBlocking, RouteMeters.of(context.meters(), context.mount()));
    }

    /**
     * The handler itself says it never blocks. A Jetty {@code Handler.Wrapper} reports its inner
     * handler's type, which says nothing of the wrapper's own code: a wrapper counts only when its
     * class declares {@code getInvocationType()} itself.
     */
    static boolean declaresNonBlocking(Handler handler) {
        if (handler instanceof Handler.Singleton) {
            try {
                Class<?> declaring = handler.getClass().getMethod("getInvocationType").getDeclaringClass();
                if (declaring.getName().startsWith("org.eclipse.jetty.")) {
                    return false;
                }
            } catch (NoSuchMethodException e) {
                return false;
            }
        }
        return handler.getInvocationType() == Invocable.InvocationType.NON_BLOCKING;
    }

    @SuppressWarnings("unchecked")
    private static Handler create(HandlerConfig h, ModuleContext context) throws Exception {
        return ((HandlerFactory<Object>) h.factory()).create(h.settings(), context);
    }
}
