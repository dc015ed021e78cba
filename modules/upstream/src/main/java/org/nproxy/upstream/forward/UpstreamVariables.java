package org.nproxy.upstream.forward;

import org.nproxy.spi.RequestKey;

/**
 * The request variables of forwarding, named as nginx names them and listed as nginx lists them:
 * one entry per attempt, comma-separated ({@code 127.0.0.1:9001, 127.0.0.1:9002}). Times are in
 * seconds with millisecond resolution; an attempt that never got so far shows {@code -}.
 * Recorded by {@link PeerTries} as attempts go and formatted only when read; any log format reaches them
 * ({@code $upstream_addr $upstream_status $upstream_response_time}).
 */
public final class UpstreamVariables {
    /** The peer of each attempt, {@code host:port} as connected (the resolved address with {@code resolve}). */
    public static final RequestKey<String> ADDR = RequestKey.derived("upstream_addr", String.class,
        r -> TryLog.read(r, TryLog::addresses));
    /** The status each attempt ended with; 502/504 for an attempt that got no answer. */
    public static final RequestKey<String> STATUS = RequestKey.derived("upstream_status", String.class,
        r -> TryLog.read(r, TryLog::statuses));
    /**
     * Time until the request could go out on a connection: opening one, or taking one from the
     * keep-alive pool (near 0), as Jetty's client reports the request's begin.
     */
    public static final RequestKey<String> CONNECT_TIME = RequestKey.derived("upstream_connect_time", String.class,
        r -> TryLog.read(r, TryLog::connectTimes));
    /** Time until the response headers arrived. */
    public static final RequestKey<String> HEADER_TIME = RequestKey.derived("upstream_header_time", String.class,
        r -> TryLog.read(r, TryLog::headerTimes));
    /**
     * Time until the response's end (or the attempt's failure); read as text, an attempt still
     * streaming when the line is written shows its time so far.
     */
    public static final RequestKey<ResponseTimes> RESPONSE_TIME = RequestKey.derived("upstream_response_time", ResponseTimes.class,
        r -> TryLog.read(r, TryLog::responseTimes));

    private UpstreamVariables() {
    }
}
