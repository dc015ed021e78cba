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
 */
final class Offload {
    /** Blocking work that completes the request's callback itself when it succeeds. */
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    private Offload() {
    }

    /**
     * Runs {@code task} on a virtual thread. If it throws, or cannot be started, {@code callback}
     * is failed (Jetty answers 500 if nothing was committed, else closes the connection).
     * {@code resource} (may be null) is closed once the task is over, whatever the outcome.
     */
    static void run(Request request, Callback callback, AutoCloseable resource, Task task) {
        Runnable job = () -> {
            try {
                task.run();
            } catch (Throwable t) {
                closeQuietly(resource);
                callback.failed(t);
                return;
            }
            closeQuietly(resource);
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
