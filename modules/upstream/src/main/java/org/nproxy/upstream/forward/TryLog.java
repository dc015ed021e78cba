package org.nproxy.upstream.forward;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.eclipse.jetty.server.Request;
import org.nproxy.spi.RequestKey;
import org.nproxy.spi.Units;

/**
 * The attempts of one client request, recorded as numbers while they go (the address when an
 * attempt starts, status and times when its headers arrive or it fails without any, the response
 * time when it ends) and turned into {@link UpstreamVariables} text only when a log line or a
 * template reads them: a request whose log format names none of them formats nothing. Attempts of
 * one request follow each other (a retry starts when the previous one is over); the lock orders
 * the writes against the access log's read after the response.
 */
final class TryLog {
    /** The request's attempts; {@code $upstream_tries} reads as the addresses tried. */
    static final RequestKey<TryLog> KEY = RequestKey.of("upstream_tries", TryLog.class);

    static {
        // The $upstream_* variables read what this records: declared with the first attempts
        // (loading UpstreamVariables registers them), before any log line can ask for them.
        UpstreamVariables.ADDR.variable();
    }

    private final ResponseTimes response = new ResponseTimes();
    private final List<Attempt> attempts = new ArrayList<>(2);
    private Attempt current;

    /** One attempt; {@code listed} once its status is known (headers arrived, or it ended without). */
    private static final class Attempt {
        final String host;
        final int port;
        final long start;
        long connect = -1;
        long header = -1;
        int status;
        boolean listed;

        Attempt(String host, int port, long start) {
            this.host = host;
            this.port = port;
            this.start = start;
        }
    }

    TryLog(Request clientRequest) {
        KEY.set(clientRequest, this);
    }

    /** What {@code read} makes of the request's attempts, or null when it made none. */
    static <T> T read(Request request, Function<TryLog, T> read) {
        TryLog log = KEY.get(request);
        return log == null ? null : read.apply(log);
    }

    /** An attempt at {@code host:port} starts now. */
    synchronized void start(String host, int port) {
        current = new Attempt(host, port, System.nanoTime());
        attempts.add(current);
        response.start(current.start);
    }

    synchronized void connected() {
        current.connect = System.nanoTime() - current.start;
    }

    /** The attempt's response headers arrived with {@code code}. */
    synchronized void answered(int code) {
        current.header = System.nanoTime() - current.start;
        current.status = code;
        current.listed = true;
    }

    /** The attempt is over with {@code code}; returns its duration in nanoseconds. */
    synchronized long end(int code) {
        if (!current.listed) {
            current.status = code;
            current.listed = true;
        }
        return response.end(System.nanoTime());
    }

    ResponseTimes responseTimes() {
        return response;
    }

    synchronized String addresses() {
        StringBuilder out = new StringBuilder();
        for (Attempt a : attempts) {
            separate(out).append(a.host).append(':').append(a.port);
        }
        return out.isEmpty() ? null : out.toString();
    }

    synchronized String statuses() {
        return listed(a -> Integer.toString(a.status));
    }

    /** Until the request could go out; an attempt answered before the client reported its begin counts its header time. */
    synchronized String connectTimes() {
        return listed(a -> a.connect >= 0 ? Units.seconds(a.connect) : a.header >= 0 ? Units.seconds(a.header) : "-");
    }

    synchronized String headerTimes() {
        return listed(a -> a.header >= 0 ? Units.seconds(a.header) : "-");
    }

    private String listed(Function<Attempt, String> entry) {
        StringBuilder out = new StringBuilder();
        for (Attempt a : attempts) {
            if (a.listed) {
                separate(out).append(entry.apply(a));
            }
        }
        return out.isEmpty() ? null : out.toString();
    }

    private static StringBuilder separate(StringBuilder list) {
        return list.isEmpty() ? list : list.append(", ");
    }

    @Override
    public String toString() {
        String addresses = addresses();
        return addresses == null ? "" : addresses;
    }
}
