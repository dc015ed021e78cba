package org.nproxy.spi;

import javax.net.ssl.SSLSession;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * The request variables every module can use in a {@link Template}, named as in nginx:
 * {@code $scheme $host $server_port $request_method $request_uri $uri $args $arg_NAME
 * $remote_addr $remote_port $server_protocol $http_NAME $cookie_NAME $vhost $location $request_time
 * $ssl_protocol $ssl_cipher $http2 $http3 $trace_id $span_id}
 * ({@code $request_time}: seconds since the request's first byte, millisecond resolution, as nginx;
 * {@code $ssl_protocol} e.g. {@code TLSv1.3} and {@code $ssl_cipher} e.g. {@code TLS_AES_128_GCM_SHA256},
 * empty without TLS; {@code $http2} {@code h2} over TLS, {@code h2c} in clear text, else empty, and
 * {@code $http3} {@code h3} on HTTP/3, as nginx; {@code $trace_id} and {@code $span_id}: the W3C trace
 * of the request and Nproxy's span in it, see {@link TraceContext}).
 */
public final class RequestVariables {
    /** The server block that took the request (its label), set by the dispatcher. */
    public static final RequestKey<String> VHOST = RequestKey.of("vhost", String.class);
    /** The location that took the request (its path as written), set by the dispatcher. */
    public static final RequestKey<String> LOCATION = RequestKey.of("location", String.class);
    /** The location's handler chain, e.g. {@code cache>proxy}, set by the dispatcher. */
    public static final RequestKey<String> HANDLER = RequestKey.of("handler", String.class);
    /**
     * Body bytes a handler wrote around Jetty's own count (a {@code sendfile(2)} transfer); the
     * access log adds them to {@code $body_bytes_sent}.
     */
    public static final RequestKey<Long> HANDLER_BYTES_SENT = RequestKey.of("handler_bytes_sent", Long.class);

    private RequestVariables() {
    }

    private static EndPoint.SslSessionData sslData(Request request) {
        return request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData d ? d : null;
    }

    private static SSLSession sslSession(Request request) {
        EndPoint.SslSessionData d = sslData(request);
        return d == null ? null : d.sslSession();
    }

    private static boolean isHttp3(Request request) {
        return request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_3;
    }

    /** The value, or null when the variable is unknown or unset. */
    public static String get(Request request, String name) {
        HttpURI uri = request.getHttpURI();
        switch (name) {
            case "scheme":
                return uri.getScheme() == null ? (request.isSecure() ? "https" : "http") : uri.getScheme();
            case "host": {
                // As nginx: lower case, no port, no trailing dot.
                String host = org.nproxy.routing.VirtualHosts.normalize(Request.getServerName(request));
                return host == null ? "" : host;
            }
            case "server_port":
                return Integer.toString(Request.getLocalPort(request));
            case "request_method":
                return request.getMethod();
            case "request_uri":
                return uri.getPathQuery();
            case "uri":
                return uri.getDecodedPath();
            case "args":
            case "query_string":
                return uri.getQuery() == null ? "" : uri.getQuery();
            case "is_args":
                return uri.getQuery() == null ? "" : "?";
            case "remote_addr":
                return Request.getRemoteAddr(request);
            case "remote_port":
                return Integer.toString(Request.getRemotePort(request));
            case "server_protocol":
                return request.getConnectionMetaData().getProtocol();
            case "request_time":
                return Units.seconds(System.nanoTime() - request.getBeginNanoTime());
            case "ssl_protocol": {
                SSLSession session = sslSession(request);
                if (session != null) {
                    return session.getProtocol();
                }
                return isHttp3(request) ? "TLSv1.3" : null; // QUIC is TLS 1.3 only
            }
            case "ssl_cipher": {
                EndPoint.SslSessionData ssl = sslData(request);
                if (ssl != null && ssl.cipherSuite() != null) {
                    return ssl.cipherSuite();
                }
                SSLSession session = ssl == null ? null : ssl.sslSession();
                return session == null ? null : session.getCipherSuite();
            }
            case "http2":
                if (request.getConnectionMetaData().getHttpVersion() != HttpVersion.HTTP_2) {
                    return "";
                }
                return request.isSecure() ? "h2" : "h2c";
            case "http3":
                return isHttp3(request) ? "h3" : "";
            case "trace_id":
                return TraceContext.of(request).traceId();
            case "span_id":
                return TraceContext.hex(TraceContext.of(request).spanId());
            default:
                break;
        }
        RequestKey<?> key = RequestKey.forVariable(name);
        if (key != null) {
            Object v = key.get(request);
            return v == null ? null : v.toString();
        }
        if (name.startsWith("http_")) {
            HttpField f = request.getHeaders().getField(name.substring(5).replace('_', '-'));
            return f == null ? null : f.getValue();
        }
        if (name.startsWith("arg_")) {
            Fields.Field f = Request.extractQueryParameters(request).get(name.substring(4));
            return f == null ? null : f.getValue();
        }
        if (name.startsWith("cookie_")) {
            String want = name.substring(7);
            for (HttpField f : request.getHeaders()) {
                if (!f.getName().equalsIgnoreCase("Cookie")) {
                    continue;
                }
                for (String pair : f.getValue().split(";")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0 && pair.substring(0, eq).trim().equals(want)) {
                        return pair.substring(eq + 1).trim();
                    }
                }
            }
            return null;
        }
        return null;
    }
}
