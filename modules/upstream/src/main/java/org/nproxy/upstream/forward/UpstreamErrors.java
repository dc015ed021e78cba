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

    /** 504 for a timeout, else 502 (also when there was no peer to try: null). */
    public static int status(Throwable lastFailure) {
        return lastFailure != null && isTimeout(lastFailure) ? HttpStatus.GATEWAY_TIMEOUT_504 : HttpStatus.BAD_GATEWAY_502;
    }

    /** Writes {@code status} with a one-line text body, e.g. {@code 502 Bad Gateway}. */
    public static void write(Response response, Callback callback, int status) {
        byte[] body = (status + " " + HttpStatus.getMessage(status) + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
