package org.nproxy.spi;

import java.util.concurrent.ThreadLocalRandom;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;

/**
 * The W3C Trace Context (https://www.w3.org/TR/trace-context/) of one client request: the trace it
 * belongs to, the span of Nproxy's own hop, and what to send upstream.
 *
 * <p>A valid {@code traceparent} from the client is continued (its trace id, its span as Nproxy's
 * parent, its flags, its {@code tracestate}); an absent or invalid one starts a new trace (an
 * invalid one's {@code tracestate} is dropped, as the spec says). Nproxy's hop always gets a new
 * span id, and that is the parent the upstream sees:
 * <pre>{@code
 * TraceContext t = TraceContext.of(clientToProxyRequest);    // created on first use
 * out.put("traceparent", t.traceparent(t.spanId()));        // 00-<trace id>-<Nproxy's span>-<flags>
 * }</pre>
 * Created lazily, so a request nothing asks about (a {@code return}, a static file without
 * {@code $trace_id} in the log) costs nothing; created as the request enters when a {@link Tracer}
 * is configured. The access log variables {@code $trace_id} and {@code $span_id} read it.
 */
public final class TraceContext {
    /** Where the context lives on the request. */
    public static final RequestKey<TraceContext> KEY = RequestKey.of("trace_context", TraceContext.class);
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    /** More list members than the spec's 32 (or a value this long) is not passed on. */
    private static final int TRACESTATE_MAX_CHARS = 8192;

    private final long traceIdHigh;
    private final long traceIdLow;
    private final long parentSpanId;
    private final long spanId;
    private final boolean clientSampled;
    private final String tracestate;
    private volatile Tracer tracer;
    private String traceIdHex;

    private TraceContext(long traceIdHigh, long traceIdLow, long parentSpanId, boolean clientSampled, String tracestate) {
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.parentSpanId = parentSpanId;
        this.clientSampled = clientSampled;
        this.tracestate = tracestate;
        this.spanId = newSpanId();
    }

    /** The request's context, created from its headers on first use. */
    public static TraceContext of(Request request) {
        TraceContext t = KEY.get(request);
        if (t == null) {
            t = fromHeaders(request.getHeaders());
            KEY.set(request, t);
        }
        return t;
    }

    /** The request's context if something created it, else null. */
    public static TraceContext current(Request request) {
        return KEY.get(request);
    }

    /**
     * The context of a request when a tracer is configured: created now, and recorded by
     * {@code tracer} when it samples it. Returns the context when recorded, else null.
     */
    public static TraceContext start(Request request, Tracer tracer) {
        TraceContext t = of(request);
        if (tracer.sample(t)) {
            t.tracer = tracer;
            return t;
        }
        t.tracer = NOT_SAMPLED;
        return null;
    }

    /** The context of a request that is recorded, or null (none, or not sampled, or no tracer). */
    public static TraceContext recording(Request request) {
        TraceContext t = KEY.get(request);
        return t == null || t.tracer == null || t.tracer == NOT_SAMPLED ? null : t;
    }

    /** Parses the client's {@code traceparent} and {@code tracestate}; a new trace when absent or invalid. */
    public static TraceContext fromHeaders(HttpFields headers) {
        String parent = null;
        int parents = 0;
        StringBuilder state = null;
        for (HttpField f : headers) {
            String name = f.getName();
            if (name.length() == 11 && name.equalsIgnoreCase(TRACEPARENT)) {
                parent = f.getValue();
                parents++;
            } else if (name.length() == 10 && name.equalsIgnoreCase(TRACESTATE)) {
                String v = f.getValue();
                if (v != null && !v.isBlank()) {
                    state = state == null ? new StringBuilder(v.trim()) : state.append(',').append(v.trim());
                }
            }
        }
        if (parents == 1 && parent != null) {
            TraceContext t = parse(parent.trim(), state == null ? null : validState(state.toString()));
            if (t != null) {
                return t;
            }
        }
        return newTrace();
    }

    /** A new trace with no parent. */
    public static TraceContext newTrace() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long high = r.nextLong();
        long low = r.nextLong();
        while (high == 0 && low == 0) {
            low = r.nextLong();
        }
        return new TraceContext(high, low, 0, true, null);
    }

    /** A new span id (random, never zero). */
    public static long newSpanId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long id = r.nextLong();
        while (id == 0) {
            id = r.nextLong();
        }
        return id;
    }

    /**
     * A traceparent per the spec: version 2 lower-case hex (not {@code ff}); for version 00
     * exactly 55 characters, for a later version at least 55 and a '-' after the flags; trace id 32
     * lower-case hex, not all zeros; parent id 16 lower-case hex, not all zeros; flags 2 hex.
     */
    static TraceContext parse(String v, String tracestate) {
        if (v.length() < 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
            return null;
        }
        int version = hex(v, 0, 2);
        if (version < 0 || version == 0xff || (version == 0 && v.length() != 55)
            || (v.length() > 55 && v.charAt(55) != '-')) {
            return null;
        }
        long high = hex64(v, 3);
        long low = hex64(v, 19);
        long parent = hex64(v, 36);
        int flags = hex(v, 53, 55);
        if (high == -1 && !allHex(v, 3, 19) || low == -1 && !allHex(v, 19, 35)
            || parent == -1 && !allHex(v, 36, 52) || flags < 0) {
            return null;
        }
        if ((high == 0 && low == 0) || parent == 0) {
            return null;
        }
        return new TraceContext(high, low, parent, (flags & 1) != 0, tracestate);
    }

    /** The tracestate to pass on, or null when it is too long to be one (at most 32 members). */
    private static String validState(String s) {
        if (s.length() > TRACESTATE_MAX_CHARS) {
            return null;
        }
        int members = 1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',') {
                members++;
            } else if (c < 0x20 || c > 0x7e) {
                return null;
            }
        }
        return members > 32 ? null : s;
    }

    private static int hex(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = digit(s.charAt(i));
            if (d < 0) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }

    /** 16 hex digits as a long; -1 when one is not lower-case hex (check with {@link #allHex}). */
    private static long hex64(String s, int from) {
        long v = 0;
        for (int i = from; i < from + 16; i++) {
            int d = digit(s.charAt(i));
            if (d < 0) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }

    private static boolean allHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (digit(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static int digit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; // upper case is invalid in traceparent
    }

    public long traceIdHigh() {
        return traceIdHigh;
    }

    public long traceIdLow() {
        return traceIdLow;
    }

    /** The client's span (Nproxy's parent), or 0 when Nproxy started the trace. */
    public long parentSpanId() {
        return parentSpanId;
    }

    /** The span of Nproxy's own hop (its server span when recorded). */
    public long spanId() {
        return spanId;
    }

    /** The client's sampled flag (true when Nproxy started the trace). */
    public boolean clientSampled() {
        return clientSampled;
    }

    /** The client's {@code tracestate}, passed on unchanged, or null. */
    public String tracestate() {
        return tracestate;
    }

    /** The tracer recording this trace, or null. */
    public Tracer tracer() {
        Tracer t = tracer;
        return t == NOT_SAMPLED ? null : t;
    }

    /**
     * The sampled flag sent upstream: the tracer's decision when one is configured; else the
     * client's flag, and set for a trace Nproxy starts (the upstream then decides as if Nproxy
     * were not there).
     */
    public boolean sampled() {
        Tracer t = tracer;
        return t == null ? clientSampled : t != NOT_SAMPLED;
    }

    /** The trace id as 32 lower-case hex digits ({@code $trace_id}). */
    public String traceId() {
        String s = traceIdHex;
        if (s == null) {
            char[] c = new char[32];
            hex(traceIdHigh, c, 0);
            hex(traceIdLow, c, 16);
            s = new String(c);
            traceIdHex = s;
        }
        return s;
    }

    /** A span id as 16 lower-case hex digits. */
    public static String hex(long id) {
        char[] c = new char[16];
        hex(id, c, 0);
        return new String(c);
    }

    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private static void hex(long v, char[] out, int at) {
        for (int i = at + 15; i >= at; i--) {
            out[i] = DIGITS[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    /** The {@code traceparent} to send upstream with {@code parent} as the upstream's parent span. */
    public String traceparent(long parent) {
        char[] c = new char[55];
        c[0] = '0';
        c[1] = '0';
        c[2] = '-';
        hex(traceIdHigh, c, 3);
        hex(traceIdLow, c, 19);
        c[35] = '-';
        hex(parent, c, 36);
        c[52] = '-';
        c[53] = '0';
        c[54] = sampled() ? '1' : '0';
        return new String(c);
    }

    /** Puts {@code traceparent} (and the client's {@code tracestate}) on an upstream request. */
    public void propagate(HttpFields.Mutable proxyToUpstreamHeaders, long parent) {
        proxyToUpstreamHeaders.put(TRACEPARENT, traceparent(parent));
        if (tracestate != null) {
            proxyToUpstreamHeaders.put(TRACESTATE, tracestate);
        } else {
            proxyToUpstreamHeaders.remove(TRACESTATE);
        }
    }

    @Override
    public String toString() {
        return traceparent(spanId);
    }

    /** Marks a context a tracer decided not to record. */
    private static final Tracer NOT_SAMPLED = new Tracer() {
        @Override
        public boolean sample(TraceContext trace) {
            return false;
        }

        @Override
        public void serverSpan(Request request, TraceContext trace, int status, long durationNanos) {
        }

        @Override
        public void clientSpan(Request clientRequest, TraceContext trace, long spanId, String method, String peerAddress,
                               int peerPort, int status, Throwable failure, long durationNanos) {
        }
    };
}
