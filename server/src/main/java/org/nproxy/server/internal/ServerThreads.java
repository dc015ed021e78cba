package org.nproxy.server.internal;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The server's threads: Jetty's {@link VirtualThreadPool}, a fresh virtual thread per task, except
 * for one task that only looks for the next request. When an HTTP/1.1 answer completes on another
 * thread than the one that parsed its request (every proxied answer: it completes on the thread
 * that read the upstream's response), Jetty 12.0.30 hands its connection to the executor to read
 * on ({@code HttpStreamOverHTTP1.resume}); later Jetty versions register read interest in place.
 * A new virtual thread for that costs a thread start, a scheduler hand-off and a context switch per
 * request, to run a read that usually finds nothing ({@link org.nproxy.server.ShortReadEndPoint}
 * answers it without a system call) and registers read interest. So such a connection runs on the
 * completing thread instead. It may parse a pipelined request there and start it, as the selector
 * thread does for every first request: the Dispatcher moves blocking chains to virtual threads.
 *
 * <p>Jetty's HTTP/1.1 connection class is internal, so it is recognised by name, not imported.
 */
public final class ServerThreads extends VirtualThreadPool {
    private static final String HTTP1_CONNECTION = "org.eclipse.jetty.server.internal.HttpConnection";

    public ServerThreads(int max) {
        super(max);
    }

    @Override
    public void execute(Runnable task) {
        if (task instanceof Connection && task.getClass().getName().equals(HTTP1_CONNECTION)) {
            task.run();
            return;
        }
        super.execute(task);
    }
}
