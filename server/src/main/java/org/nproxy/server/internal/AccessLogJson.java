package org.nproxy.server.internal;

import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.nproxy.spi.RequestVariables;
import org.nproxy.spi.TraceContext;

/**
 * The {@code json} access log format: one JSON object per line with every field, strings
 * escaped per RFC 8259 (quotes, backslashes, control characters; other characters as UTF-8;
 * a header a client sent in UTF-8 keeps its characters), a field the request lacks as
 * {@code null} ({@code trace_id}: the W3C trace id of a request that was forwarded upstream or traced):
 * <pre>{@code
 * {"time":"2026-12-02T05:33:00.123+00:00","remote_addr":"127.0.0.1","method":"GET","uri":"/a?b",
 *  "protocol":"HTTP/1.1","host":"site.test","status":200,"bytes_sent":4,"duration_ms":0.412,
 *  "vhost":"site.test","location":"/","handler":"return","referer":null,"user_agent":"curl/8",
 *  "trace_id":null}
 * }</pre>
 */
final class AccessLogJson {
    private static final byte[] TIME = key("{\"time\":");
    private static final byte[] REMOTE_ADDR = key(",\"remote_addr\":");
    private static final byte[] METHOD = key(",\"method\":");
    private static final byte[] URI = key(",\"uri\":");
    private static final byte[] PROTOCOL = key(",\"protocol\":");
    private static final byte[] HOST = key(",\"host\":");
    private static final byte[] STATUS = key(",\"status\":");
    private static final byte[] BYTES_SENT = key(",\"bytes_sent\":");
    private static final byte[] DURATION_MS = key(",\"duration_ms\":");
    private static final byte[] VHOST = key(",\"vhost\":");
    private static final byte[] LOCATION = key(",\"location\":");
    private static final byte[] HANDLER = key(",\"handler\":");
    private static final byte[] REFERER = key(",\"referer\":");
    private static final byte[] USER_AGENT = key(",\"user_agent\":");
    private static final byte[] TRACE_ID = key(",\"trace_id\":");

    private AccessLogJson() {
    }

    private static byte[] key(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static void write(Request request, Response response, long nanos, LogClock clock, LogLine out) {
        long millis = Request.getTimeStamp(request);
        LogClock.Second second = clock.second(millis);
        out.raw(TIME).ascii('"').raw(second.iso()).ascii('.').threeDigits(Math.floorMod(millis, 1000))
            .raw(second.offset()).ascii('"');
        out.raw(REMOTE_ADDR).json(RemoteAddresses.of(request));
        out.raw(METHOD).json(request.getMethod());
        out.raw(URI).json(request.getHttpURI().getPathQuery());
        out.raw(PROTOCOL).json(request.getConnectionMetaData().getProtocol());
        out.raw(HOST).json(RequestVariables.get(request, "host"));
        out.raw(STATUS).number(response.getStatus());
        out.raw(BYTES_SENT).number(AccessLogFormat.bodyBytesSent(request, response));
        long micros = (nanos + 500) / 1000; // rounded to the microsecond, printed in ms
        out.raw(DURATION_MS).number(micros / 1000).ascii('.').threeDigits(micros % 1000);
        out.raw(VHOST).json(RequestVariables.VHOST.get(request));
        out.raw(LOCATION).json(RequestVariables.LOCATION.get(request));
        out.raw(HANDLER).json(RequestVariables.HANDLER.get(request));
        out.raw(REFERER).jsonHeader(request.getHeaders().get(HttpHeader.REFERER));
        out.raw(USER_AGENT).jsonHeader(request.getHeaders().get(HttpHeader.USER_AGENT));
        TraceContext trace = TraceContext.current(request); // a request forwarded upstream or traced has one
        out.raw(TRACE_ID).json(trace == null ? null : trace.traceId());
        out.ascii('}');
    }
}
