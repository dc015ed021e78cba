package org.nproxy.server.internal.tls;

import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.nproxy.config.ListenConfig;
import org.nproxy.config.ServerConfig;
import org.nproxy.config.TlsConfig;
import org.nproxy.routing.VirtualHosts;

/**
 * What a server block's {@code <tls>} asks of each request once its virtual host is known:
 * <ul>
 *   <li>{@code 421 Misdirected Request} when {@code Host} selects another server block than the
 *       TLS SNI name did (the connection's certificate belongs to the SNI's server block);</li>
 *   <li>{@code 400} when {@code client-auth="require"} and the client sent no certificate
 *       issued by this server block's {@code client-ca};</li>
 *   <li>{@code Strict-Transport-Security} on TLS responses ({@code hsts});</li>
 *   <li>a redirect of cleartext requests to https ({@code redirect}): 301 for GET and HEAD,
 *       308 for other methods (keeps the method and body).</li>
 * </ul>
 */
public final class TlsPolicy {
    private TlsPolicy() {
    }

    /**
     * @param <T> the runtime virtual host type
     * @return true when a response was written (the request is done), false to go on routing
     */
    public static <T> boolean apply(Request request, Response response, Callback callback, VirtualHosts<T> hosts,
                                    T host, ServerConfig server) {
        EndPoint.SslSessionData ssl = (EndPoint.SslSessionData) request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
        TlsConfig tls = server.tls();
        if (ssl != null) {
            String sni = sniHost(ssl.sslSession());
            if (sni != null && hosts.select(sni) != host) {
                Response.writeError(request, response, callback, HttpStatus.MISDIRECTED_REQUEST_421,
                    "Host does not match the TLS server name (SNI) of this connection");
                return true;
            }
        }
        if (tls == null) {
            return false;
        }
        if (request.isSecure()) {
            if (tls.clientAuth() == TlsConfig.ClientAuth.REQUIRE && !trusted(ssl, tls.clientCas())) {
                Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400,
                    "No required SSL certificate was sent");
                return true;
            }
            if (tls.hsts() != null) {
                response.getHeaders().put(HttpHeader.STRICT_TRANSPORT_SECURITY,
                    "max-age=" + tls.hsts().toSeconds() + (tls.hstsSubdomains() ? "; includeSubDomains" : ""));
            }
            return false;
        }
        if (tls.redirect()) {
            int port = httpsPort(request, server);
            if (port > 0) {
                String hostName = Request.getServerName(request);
                String location = "https://" + hostName + (port == 443 ? "" : ":" + port)
                    + request.getHttpURI().getPathQuery();
                boolean safe = HttpMethod.GET.is(request.getMethod()) || HttpMethod.HEAD.is(request.getMethod());
                response.setStatus(safe ? HttpStatus.MOVED_PERMANENTLY_301 : HttpStatus.PERMANENT_REDIRECT_308);
                response.getHeaders().put(HttpHeader.LOCATION, location);
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
                response.write(true, null, callback);
                return true;
            }
        }
        return false;
    }

    /** The SNI host name the client sent, or null. */
    public static String sniHost(SSLSession session) {
        if (session == null) {
            return null;
        }
        Object cached = session.getValue(SslContextFactory.Server.SNI_HOST);
        if (cached instanceof String s) {
            return s;
        }
        if (session instanceof ExtendedSSLSession extended) {
            try {
                for (SNIServerName name : extended.getRequestedServerNames()) {
                    if (name instanceof SNIHostName hostName) {
                        return hostName.getAsciiName();
                    }
                }
            } catch (UnsupportedOperationException e) {
                return null;
            }
        }
        return null;
    }

    /** The client sent a certificate issued by one of the CAs ({@link ClientTrust}, remembered per session). */
    private static boolean trusted(EndPoint.SslSessionData ssl, List<X509Certificate> cas) {
        return ssl != null && ClientTrust.trusted(ssl.sslSession(), ssl.peerCertificates(), cas);
    }

    /** The bound port of the server block's first TLS listener, or -1. */
    private static int httpsPort(Request request, ServerConfig server) {
        for (ListenConfig listen : server.listens()) {
            if (!listen.tls()) {
                continue;
            }
            if (listen.port() != 0) {
                return listen.port();
            }
            for (Connector c : request.getConnectionMetaData().getConnector().getServer().getConnectors()) {
                if (listen.key().equals(c.getName()) && c instanceof NetworkConnector nc) {
                    return nc.getLocalPort();
                }
            }
        }
        return -1;
    }
}
