package org.nproxy.upstream.forward;

import org.eclipse.jetty.server.Request;
import org.nproxy.spi.Units;

/**
 * The {@link UpstreamVariables} of one client request, one entry per attempt, rewritten on the
 * request each time an attempt moves on. Attempts of one request follow each other (a retry
 * starts when the previous one is over), so one thread at a time writes here; the lock only
 * orders those writes for the access log's read after the response.
 */
final class TryLog {
    private final Request clientRequest;
    private final StringBuilder addr = new StringBuilder();
    private final StringBuilder status = new StringBuilder();
    private final StringBuilder connect = new StringBuilder();
    private final StringBuilder header = new StringBuilder();
    private final StringBuilder response = new StringBuilder();
    private long startNanos;
    private long connectNanos = -1;
    private long headerNanos = -1;

    TryLog(Request clientRequest) {
        this.clientRequest = clientRequest;
    }

    /** An attempt at {@code address} starts now. */
    synchronized void start(String address) {
        startNanos = System.nanoTime();
        connectNanos = -1;
        headerNanos = -1;
        append(addr, address);
        UpstreamVariables.ADDR.set(clientRequest, addr.toString());
    }

    synchronized void connected() {
        connectNanos = System.nanoTime() - startNanos;
    }

    synchronized void answered() {
        headerNanos = System.nanoTime() - startNanos;
        if (connectNanos < 0) {
            connectNanos = headerNanos;
        }
    }

    /** The attempt is over with {@code code}; returns its duration in nanoseconds. */
    synchronized long end(int code) {
        long nanos = System.nanoTime() - startNanos;
        append(status, Integer.toString(code));
        append(connect, connectNanos < 0 ? "-" : Units.seconds(connectNanos));
        append(header, headerNanos < 0 ? "-" : Units.seconds(headerNanos));
        append(response, Units.seconds(nanos));
        UpstreamVariables.STATUS.set(clientRequest, status.toString());
        UpstreamVariables.CONNECT_TIME.set(clientRequest, connect.toString());
        UpstreamVariables.HEADER_TIME.set(clientRequest, header.toString());
        UpstreamVariables.RESPONSE_TIME.set(clientRequest, response.toString());
        return nanos;
    }

    private static void append(StringBuilder list, String entry) {
        if (!list.isEmpty()) {
            list.append(", ");
        }
        list.append(entry);
    }
}
