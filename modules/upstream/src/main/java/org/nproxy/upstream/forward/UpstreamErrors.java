package org.nproxy.upstream.forward;

import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * What a client gets when no peer answered, the same for every module that forwards: 504 when
 * the last failure was a timeout, else 502, as a short plain-text body.
 */
public final class UpstreamErrors {
    private UpstreamErrors() {
    }

    /** A timeout anywhere in the cause chain. */
    public static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TimeoutException || c instanceof InterruptedIOException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The request's head was larger than the group's {@code max-header-size} lets the proxy send
     * (Jetty's client fails it before a byte goes out): the client's error, never the peer's.
     */
    public static boolean isRequestHeadTooLarge(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IllegalArgumentException && c.getMessage() != null
                && c.getMessage().toLowerCase(java.util.Locale.ROOT).contains("headers too large")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The peer's answer had a {@code Transfer-Encoding} whose last coding is not {@code chunked}
     * (valid: RFC 9112 section 6.3 says read it until the connection closes), which Jetty 12.0.30's
     * client parser refuses ("Bad Transfer-Encoding, chunked not last"): Nproxy's limit, not the
     * peer's failure.
     */
    public static boolean isUnreadableTransferCoding(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains("Bad Transfer-Encoding, chunked not last")) {
                return true;
            }
        }
        return false;
    }

    /** 504 for a timeout, else 502 (also when there was no peer to try: null). */
    public static int status(Throwable lastFailure) {
        return lastFailure != null && isTimeout(lastFailure) ? HttpStatus.GATEWAY_TIMEOUT_504 : HttpStatus.BAD_GATEWAY_502;
    }

    /** Writes {@code status} with a one-line text body, e.g. {@code 502 Bad Gateway}. */
    public static void write(Response response, Callback callback, int status) {
        write(response, callback, status, null);
    }

    /** Writes {@code status} with a text body: the status line, then {@code detail} (if any) on a line of its own. */
    public static void write(Response response, Callback callback, int status, String detail) {
        String text = status + " " + HttpStatus.getMessage(status) + "\n" + (detail == null ? "" : detail + "\n");
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
