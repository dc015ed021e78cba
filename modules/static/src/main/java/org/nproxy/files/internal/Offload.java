package org.nproxy.files.internal;

import java.util.concurrent.Executor;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * Runs the parts of a {@code <static>} answer that may block (sendfile and copies waiting for a
 * slow client, multipart bodies, directory listings) on a virtual thread, so that the handler
 * itself never blocks the thread that parsed the request.
 *
 * <p>Known limit (Jetty 12.0.30, jetty/jetty.project#14745): when the sendfile path's callback
 * succeeds (Jetty then sends its own empty last write) while the thread that ran the handler is
 * still on its way out of Jetty's handler invocation, Jetty can complete the response twice and
 * close the connection. The server's Dispatcher hands blocking chains to a virtual thread the
 * same way, so this is not new; a task that finishes within microseconds (a tiny body with
 * {@code inline-max="0"}) makes it likelier. Answers finished on the handler's thread end with an
 * explicit last write ({@link InlineBody#finishWithoutBody}) and are not exposed.
 */
final class Offload {
    /** Blocking work; returns when the response is written, throws when it cannot be. */
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    private Offload() {
    }

    /**
     * Runs {@code task} on a virtual thread, then completes {@code callback}: succeeded, or failed
     * with what the task threw or why it could not start (Jetty answers 500 if nothing was
     * committed, else closes the connection). {@code resource} (may be null) is closed once the
     * task is over.
     */
    static void run(Request request, Callback callback, AutoCloseable resource, Task task) {
        Runnable job = () -> {
            Throwable failure = null;
            try {
                task.run();
            } catch (Throwable t) {
                failure = t;
            }
            closeQuietly(resource);
            if (failure == null) {
                callback.succeeded();
            } else {
                callback.failed(failure);
            }
        };
        try {
            executor(request).execute(job);
        } catch (Throwable t) { // RejectedExecutionException while stopping
            closeQuietly(resource);
            callback.failed(t);
        }
    }

    /**
     * The same choice as the server's Dispatcher for blocking chains: the server's
     * VirtualThreadPool, else the virtual-thread executor of a hybrid pool, else the pool itself.
     */
    static Executor executor(Request request) {
        Executor executor = request.getComponents().getExecutor();
        if (executor instanceof VirtualThreadPool) {
            return executor;
        }
        Executor virtual = VirtualThreads.getVirtualThreadsExecutor(executor);
        return virtual != null ? virtual : executor;
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception ignored) {
            // A failed close of a file we only read changes nothing for the client.
        }
    }
}
