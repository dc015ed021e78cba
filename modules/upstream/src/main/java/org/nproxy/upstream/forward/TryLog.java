package org.nproxy.upstream.forward;

import org.eclipse.jetty.server.Request;
import org.nproxy.spi.Units;

/**
 * The {@link UpstreamVariables} of one client request, one entry per attempt, rewritten on the
 * request as each attempt moves on: the address when it starts, status and times when its
 * headers arrive (or when it fails without any), the response time when it ends. Attempts of one
 * request follow each other (a retry starts when the previous one is over); the lock orders the
 * writes for the access log's read after the response.
 */
final class TryLog {
    private final Request clientRequest;
    private final StringBuilder addr = new StringBuilder();
    private final StringBuilder status = new StringBuilder();
    private final StringBuilder connect = new StringBuilder();
    private final StringBuilder header = new StringBuilder();
    private final ResponseTimes response = new ResponseTimes();
    private long startNanos;
    private long connectNanos = -1;
    private boolean listed;

    TryLog(Request clientRequest) {
        this.clientRequest = clientRequest;
        UpstreamVariables.RESPONSE_TIME.set(clientRequest, response);
    }

    /** An attempt at {@code address} starts now. */
    synchronized void start(String address) {
        startNanos = System.nanoTime();
        connectNanos = -1;
        listed = false;
        response.start(startNanos);
        append(addr, address);
        UpstreamVariables.ADDR.set(clientRequest, addr.toString());
    }

    synchronized void connected() {
        connectNanos = System.nanoTime() - startNanos;
    }

    /** The attempt's response headers arrived with {@code code}. */
    synchronized void answered(int code) {
        long headerNanos = System.nanoTime() - startNanos;
        list(code, connectNanos < 0 ? Units.seconds(headerNanos) : Units.seconds(connectNanos), Units.seconds(headerNanos));
    }

    /** The attempt is over with {@code code}; returns its duration in nanoseconds. */
    synchronized long end(int code) {
        if (!listed) {
            list(code, connectNanos < 0 ? "-" : Units.seconds(connectNanos), "-");
        }
        return response.end(System.nanoTime());
    }

    private void list(int code, String connectTime, String headerTime) {
        listed = true;
        append(status, Integer.toString(code));
        append(connect, connectTime);
        append(header, headerTime);
        UpstreamVariables.STATUS.set(clientRequest, status.toString());
        UpstreamVariables.CONNECT_TIME.set(clientRequest, connect.toString());
        UpstreamVariables.HEADER_TIME.set(clientRequest, header.toString());
    }

    private static void append(StringBuilder list, String entry) {
        if (!list.isEmpty()) {
            list.append(", ");
        }
        list.append(entry);
    }
}
