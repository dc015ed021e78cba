package org.nproxy.spi;

import org.eclipse.jetty.server.Request;

/**
 * Records the spans of sampled requests: the runtime part of a top-level element whose factory
 * {@link ElementFactory#opensWithGeneration() opens with the generation} (the {@code tracing}
 * module's {@code <tracing>}). The core asks it once per request whether to record, as the request
 * enters, and reports the request's server span when its response is done; modules that forward
 * report a client span per upstream try ({@link TraceContext#newSpanId()} for its id). Without
 * such an element there is no tracer and nothing here is called.
 *
 * <p>Calls come from request threads and the upstream client's threads: keep them short and
 * never block (hand spans to a queue).
 */
public interface Tracer {
    /**
     * Whether this request's trace is recorded: {@code trace} holds the ids (the client's trace
     * and its span as parent when it sent a valid {@code traceparent}, else a new trace) and the
     * client's sampled flag ({@link TraceContext#clientSampled()}).
     */
    boolean sample(TraceContext trace);

    /**
     * The server span of a recorded request (Nproxy's own hop, id {@link TraceContext#spanId()}).
     *
     * @param status        the status sent to the client (500 when the handler failed)
     * @param durationNanos from the request's first byte to the end of its response
     */
    void serverSpan(Request request, TraceContext trace, int status, long durationNanos);

    /**
     * A client span: one try of a recorded request against an upstream peer, a child of the server
     * span, with the id the upstream got as its parent in {@code traceparent}.
     *
     * @param peerAddress   the peer's address as connected to ({@code host}), and {@code peerPort}
     * @param status        the upstream's status, or 502/504 when the try failed without one
     * @param failure       why the try failed, or null
     * @param durationNanos from the start of the try to its end
     */
    void clientSpan(Request clientRequest, TraceContext trace, long spanId, String method, String peerAddress,
                    int peerPort, int status, Throwable failure, long durationNanos);
}
