package org.nproxy.files.internal;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.Handlers;

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
 * explicit last write ({@link Handlers#endWithoutBody}) and are not exposed.
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
     * task is over. {@code handOff} false: the handler already runs on a thread that may block
     * ({@code in-place="false"}), so the task runs right here.
     */
    static void run(Request request, boolean handOff, Callback callback, AutoCloseable resource, Task task) {
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
        if (!handOff) {
            job.run();
            return;
        }
        try {
            Handlers.blockingExecutor(request.getComponents().getExecutor()).execute(job);
        } catch (Throwable t) { // RejectedExecutionException while stopping
            closeQuietly(resource);
            callback.failed(t);
        }
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
