package org.nproxy.server.internal.http1;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * The first customizer of a {@link GuardedHttpConnectionFactory}'s requests:
 * <ul>
 *   <li>over TLS, the scheme of a request is {@code https}. Jetty's HTTP/1.1 connection picks
 *       the scheme by asking whether its endpoint is TLS's own class, and under the
 *       {@link GuardedEndPoint} it is not. (An absolute-form {@code http://} target sent over
 *       TLS becomes {@code https} too: the connection's scheme, as nginx's {@code $scheme}.)</li>
 *   <li>with {@code min-request-rate}, a request that has a body is read through
 *       {@link BodyRate}.</li>
 * </ul>
 * A cleartext request without a rate passes untouched (no allocation).
 */
final class Http1Customizer implements HttpConfiguration.Customizer {
    private final long minRequestRate;

    Http1Customizer(long minRequestRate) {
        this.minRequestRate = minRequestRate;
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        HttpURI uri = request.getHttpURI();
        if (HttpScheme.HTTP.is(uri.getScheme()) && request.getConnectionMetaData().isSecure()) {
            HttpURI https = HttpURI.build(uri).scheme(HttpScheme.HTTPS)
                .port(uri.getPort() == 443 ? -1 : uri.getPort()).asImmutable();
            request = new Request.Wrapper(request) {
                @Override
                public HttpURI getHttpURI() {
                    return https;
                }
            };
        }
        if (minRequestRate > 0 && (request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING))) {
            request = new BodyRate(request, minRequestRate);
        }
        return request;
    }
}
