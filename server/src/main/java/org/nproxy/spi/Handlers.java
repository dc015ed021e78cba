package org.nproxy.spi;

import java.util.concurrent.Executor;

import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/** What handlers share with the core about threads and ending answers, defined once. */
public final class Handlers {
    private Handlers() {
    }

    /**
     * Where blocking work runs: the server's {@link VirtualThreadPool} (a fresh virtual thread per
     * task, within its cap), or the virtual-thread executor of a hybrid pool, else the pool
     * itself. The Dispatcher hands blocking chains here; a non-blocking handler hands what may
     * block here too.
     *
     * @param serverExecutor {@code request.getComponents().getExecutor()} or the server's thread pool
     */
    public static Executor blockingExecutor(Executor serverExecutor) {
        if (serverExecutor instanceof VirtualThreadPool) {
            return serverExecutor;
        }
        Executor virtual = VirtualThreads.getVirtualThreadsExecutor(serverExecutor);
        return virtual != null ? virtual : serverExecutor;
    }

    /**
     * Ends an answer that has no (more) body with an explicit empty last write. Never end one with
     * a bare {@code callback.succeeded()}: Jetty 12.0.30 then writes the end itself, which can
     * race with the previous response on the same connection (jetty/jetty.project#14745).
     */
    public static void endWithoutBody(Response response, Callback callback) {
        response.write(true, BufferUtil.EMPTY_BUFFER, callback);
    }
}
