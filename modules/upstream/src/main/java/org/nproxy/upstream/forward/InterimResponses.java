package org.nproxy.upstream.forward;

import java.util.function.BiConsumer;

import org.eclipse.jetty.client.EarlyHintsProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpExchange;
import org.eclipse.jetty.client.transport.HttpRequest;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;

/**
 * Interim (1xx) answers of a peer, for the pool clients. Jetty's client marks an exchange's
 * response complete at a 1xx unless a protocol handler takes it (the final answer is then
 * ignored and the exchange hangs); this handler takes {@code 100}, {@code 102} and {@code 103},
 * lets the exchange wait for the final answer (Jetty's {@link EarlyHintsProtocolHandler} does the
 * resetting) and gives each to the listener the forwarding module put on the request:
 *
 * <pre>{@code
 * proxyToUpstreamRequest.attribute(InterimResponses.LISTENER,
 *     (BiConsumer<Integer, HttpFields>) (status, headers) -> ...);
 * }</pre>
 *
 * {@code 101} is not interim here: upgrades are the tunnel modules' business.
 *
 * <p>{@code 100 Continue}: a request sent with {@code Expect: 100-continue} and a body makes
 * Jetty's client send the head and hold the body until told to go on; after the listener has
 * been told of the {@code 100} this handler lets it go ({@link #proceed}). A caller that sends
 * {@code Expect} also calls {@link #proceed} when the peer answers finally without a {@code 100}
 * (with a failure: the body is not sent, the connection is not reused), and may call it when it
 * stops waiting for the peer's {@code 100} (null: the body goes).
 */
public final class InterimResponses extends EarlyHintsProtocolHandler {
    /** Request attribute: a {@code BiConsumer<Integer, HttpFields>} told of each interim answer. */
    public static final String LISTENER = InterimResponses.class.getName() + ".listener";
    private static final String STATUS = InterimResponses.class.getName() + ".status";

    @Override
    public String getName() {
        return "nproxy-interim";
    }

    @Override
    public boolean accept(Request request, Response response) {
        int status = response.getStatus();
        boolean interim = status == HttpStatus.CONTINUE_100 || status == HttpStatus.PROCESSING_102
            || status == HttpStatus.EARLY_HINTS_103;
        if (interim) {
            request.attribute(STATUS, status); // the listener below is told headers only
        }
        return interim;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void onEarlyHints(Request request, HttpFields responseHeaders) {
        Object status = request.getAttributes().get(STATUS);
        if (request.getAttributes().get(LISTENER) instanceof BiConsumer<?, ?> listener && status instanceof Integer s) {
            ((BiConsumer<Integer, HttpFields>) listener).accept(s, responseHeaders);
        }
        if (status instanceof Integer s && s == HttpStatus.CONTINUE_100) {
            proceed(request, null);
        }
    }

    /**
     * Ends the wait of a request sent with {@code Expect: 100-continue}: its body goes
     * ({@code failure} null) or is given up ({@code failure} given). Nothing happens when the
     * request was not waiting (no {@code Expect}, already decided, or over).
     */
    public static void proceed(Request request, Throwable failure) {
        if (request instanceof HttpRequest r) {
            HttpExchange exchange = r.getConversation().getExchanges().peekLast();
            if (exchange != null) {
                exchange.proceed(null, failure);
            }
        }
    }
}
