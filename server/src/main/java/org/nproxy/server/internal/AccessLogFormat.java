package org.nproxy.server.internal;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.nproxy.spi.RequestVariables;

/**
 * An access log format compiled once per configuration into a list of parts, each of which
 * writes its bytes straight into a {@link LogLine}: no String per value, no String.format, and
 * the time strings come from a per-second cache ({@link LogClock}).
 *
 * <p>{@code combined} (NCSA combined), {@code common}, {@code json} (one JSON object per line)
 * or a pattern of {@code $variables} / {@code ${variables}} ({@code $$} is a dollar): the
 * {@link RequestVariables} plus {@code $status $body_bytes_sent $request $time_local
 * $time_iso8601 $request_time} (seconds, ms resolution) {@code $duration_ms $generation}.
 * Values from the request are escaped ({@link LogLine#text}); an empty or unknown one is {@code -}.
 */
final class AccessLogFormat implements LogBuffer.Format {
    static final String COMBINED =
        "$remote_addr - - [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";
    static final String COMMON = "$remote_addr - - [$time_local] \"$request\" $status $body_bytes_sent";

    /** What one part writes; {@code nanos} is the request's duration. */
    private interface Part {
        void write(Request request, Response response, long nanos, LogLine out);
    }

    private final Part[] parts;
    private final LogClock clock;

    private AccessLogFormat(List<Part> parts, LogClock clock) {
        this.parts = parts.toArray(Part[]::new);
        this.clock = clock;
    }

    /** {@code combined}, {@code common}, {@code json} or a pattern, in the system's time zone. */
    static AccessLogFormat of(String format) {
        return of(format, ZoneId.systemDefault());
    }

    static AccessLogFormat of(String format, ZoneId zone) {
        Objects.requireNonNull(format, "format");
        LogClock clock = new LogClock(zone);
        return switch (format) {
            // The two usual formats in one method each: one call per line instead of one per part.
            case "combined" -> new AccessLogFormat(List.of((rq, rs, n, out) -> combined(rq, rs, clock, true, out)), clock);
            case "common" -> new AccessLogFormat(List.of((rq, rs, n, out) -> combined(rq, rs, clock, false, out)), clock);
            case "json" -> new AccessLogFormat(List.of((rq, rs, n, out) -> AccessLogJson.write(rq, rs, n, clock, out)), clock);
            default -> new AccessLogFormat(compile(format, clock), clock);
        };
    }

    @Override
    public void render(Request request, Response response, long nanos, LogLine out) {
        for (Part p : parts) {
            p.write(request, response, nanos, out);
        }
        out.ascii('\n');
    }

    LogClock clock() {
        return clock;
    }

    /** Parses like {@link org.nproxy.spi.Template}: literal text and $name / ${name} variables. */
    private static List<Part> compile(String text, LogClock clock) {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
            if (c != '$' || next == 0) {
                literal.append(c);
                i++;
                continue;
            }
            if (next == '$') {
                literal.append('$');
                i += 2;
                continue;
            }
            int start = next == '{' ? i + 2 : i + 1;
            int end = start;
            if (next == '{') {
                end = text.indexOf('}', start);
            } else {
                while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
                    end++;
                }
            }
            if (end <= start) { // "${" without "}", "${}", or "$" before a non-name: literal
                literal.append(c);
                i++;
                continue;
            }
            if (!literal.isEmpty()) {
                byte[] bytes = literal.toString().getBytes(StandardCharsets.UTF_8);
                parts.add((rq, rs, n, out) -> out.raw(bytes));
                literal.setLength(0);
            }
            parts.add(variable(text.substring(start, end), clock));
            i = next == '{' ? end + 1 : end;
        }
        if (!literal.isEmpty()) {
            byte[] bytes = literal.toString().getBytes(StandardCharsets.UTF_8);
            parts.add((rq, rs, n, out) -> out.raw(bytes));
        }
        return parts;
    }

    private static Part variable(String name, LogClock clock) {
        return switch (name) {
            case "status" -> (rq, rs, n, out) -> out.number(rs.getStatus());
            case "body_bytes_sent" -> (rq, rs, n, out) -> out.number(bodyBytesSent(rq, rs));
            case "request" -> AccessLogFormat::requestLine;
            case "remote_addr" -> (rq, rs, n, out) -> out.text(RemoteAddresses.of(rq));
            case "request_method" -> (rq, rs, n, out) -> out.text(rq.getMethod());
            case "request_uri" -> (rq, rs, n, out) -> out.text(rq.getHttpURI().getPathQuery());
            case "server_protocol" -> (rq, rs, n, out) -> out.text(rq.getConnectionMetaData().getProtocol());
            case "time_local" -> (rq, rs, n, out) -> out.raw(clock.second(Request.getTimeStamp(rq)).local());
            case "time_iso8601" -> (rq, rs, n, out) -> {
                LogClock.Second s = clock.second(Request.getTimeStamp(rq));
                out.raw(s.iso()).raw(s.offset());
            };
            case "request_time" -> (rq, rs, n, out) -> {
                long ms = n / 1_000_000;
                out.number(ms / 1000).ascii('.').threeDigits(ms % 1000);
            };
            case "duration_ms" -> (rq, rs, n, out) -> out.number(n / 1_000_000);
            case "generation" -> (rq, rs, n, out) -> {
                Object g = rq.getAttribute(Dispatcher.GENERATION);
                if (g instanceof Generation gen) {
                    out.number(gen.id());
                } else {
                    out.ascii('-');
                }
            };
            default -> name.startsWith("http_") ? header(name.substring(5).replace('_', '-'))
                : (rq, rs, n, out) -> out.text(RequestVariables.get(rq, name));
        };
    }

    /** A request header; a known one by its enum (Jetty then compares no strings). */
    private static Part header(String name) {
        HttpHeader known = HttpHeader.CACHE.get(name);
        if (known != null) {
            return (rq, rs, n, out) -> out.textHeader(rq.getHeaders().get(known));
        }
        return (rq, rs, n, out) -> {
            HttpField f = rq.getHeaders().getField(name);
            out.textHeader(f == null ? null : f.getValue());
        };
    }

    /** Bytes of the body sent: Jetty's count plus what modules wrote beside it (static's sendfile). */
    static long bodyBytesSent(Request request, Response response) {
        Long beside = RequestVariables.HANDLER_BYTES_SENT.get(request);
        return Response.getContentBytesWritten(response) + (beside == null ? 0L : beside);
    }

    private static final byte[] DASHES = " - - [".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] QUOTE_SPACE_QUOTE = "\" \"".getBytes(StandardCharsets.US_ASCII);

    /** {@link #COMMON}, and with {@code referer} true {@link #COMBINED}, written in one go. */
    private static void combined(Request request, Response response, LogClock clock, boolean referer, LogLine out) {
        out.text(RemoteAddresses.of(request)).raw(DASHES).raw(clock.second(Request.getTimeStamp(request)).local())
            .ascii(']').ascii(' ').ascii('"');
        requestLine(request, response, 0, out);
        out.ascii('"').ascii(' ').number(response.getStatus()).ascii(' ').number(bodyBytesSent(request, response));
        if (referer) {
            out.ascii(' ').ascii('"').textHeader(request.getHeaders().get(HttpHeader.REFERER)).raw(QUOTE_SPACE_QUOTE)
                .textHeader(request.getHeaders().get(HttpHeader.USER_AGENT)).ascii('"');
        }
    }

    private static void requestLine(Request request, Response response, long nanos, LogLine out) {
        out.text(request.getMethod()).ascii(' ').text(request.getHttpURI().getPathQuery()).ascii(' ')
            .text(request.getConnectionMetaData().getProtocol());
    }
}
