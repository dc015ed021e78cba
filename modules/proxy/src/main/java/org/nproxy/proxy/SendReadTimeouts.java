package org.nproxy.proxy;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;

/**
 * {@code send-timeout} and {@code read-timeout} of one attempt, as the idle timeout of its
 * upstream connection switched with what the exchange is doing (nginx's proxy_send_timeout and
 * proxy_read_timeout):
 * <ul>
 *   <li>a write of the request under way: {@code send-timeout}; the peer accepts no byte for
 *       that long and the attempt fails;</li>
 *   <li>waiting for more of the client's body: off, the client is slow, not the peer (the
 *       listener's {@code idle-timeout} covers the client), unless the answer has begun, then
 *       {@code read-timeout};</li>
 *   <li>request sent: {@code read-timeout}, for the answer and its body.</li>
 * </ul>
 * Each switch restarts the idle clock, so a phase gets its whole time. Jetty restores the pool's
 * idle timeout when the exchange ends.
 */
final class SendReadTimeouts implements RequestBody.Progress {
    private final long sendMillis;
    private final long readMillis;
    private volatile Request proxyToUpstreamRequest;
    private volatile boolean sending;
    private volatile boolean answered;
    private volatile boolean over;

    SendReadTimeouts(long sendMillis, long readMillis) {
        this.sendMillis = sendMillis;
        this.readMillis = readMillis;
    }

    /** The idle timeout the exchange starts with (the request headers are written first). */
    long initialMillis() {
        return sendMillis;
    }

    void attach(Request proxyToUpstreamRequest) {
        this.proxyToUpstreamRequest = proxyToUpstreamRequest;
    }

    /** True while the request is being written, for the log line of a failure. */
    boolean sending() {
        return sending;
    }

    @Override
    public void writing() {
        sending = true;
        idle(sendMillis);
    }

    @Override
    public void waitingForClient() {
        sending = false;
        idle(answered ? readMillis : 0);
    }

    /** The whole request is written. */
    void sent() {
        sending = false;
        idle(readMillis);
    }

    /** The upstream's answer has begun (possibly before the request was all sent). */
    void answered() {
        answered = true;
    }

    /** The exchange is over: the connection may already serve another one, leave it alone. */
    void over() {
        over = true;
    }

    private void idle(long millis) {
        Request request = proxyToUpstreamRequest;
        if (over || request == null || !(request.getConnection() instanceof Connection connection)) {
            return;
        }
        EndPoint endPoint = connection.getEndPoint();
        if (endPoint instanceof IdleTimeout clock) {
            clock.notIdle();
        }
        endPoint.setIdleTimeout(millis);
    }
}
