package org.nproxy.upstream.forward;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.RequestVariables;
import org.nproxy.spi.TraceContext;
import org.nproxy.spi.Template;

/**
 * How a client's request crosses the proxy, the same for {@code <proxy>} and
 * {@code <websocket>}: which of its headers go on (end-to-end ones; never hop-by-hop ones, those
 * its {@code Connection} names, or forwarding headers from a client that is not trusted), and what
 * the proxy adds ({@code Host}, {@code X-Forwarded-*} and/or RFC 7239 {@code Forwarded},
 * {@code Via}).
 *
 * @param mode           {@code x-forwarded} (default), {@code forwarded} (RFC 7239), {@code both}, {@code none}
 * @param trustedProxies clients whose incoming X-Forwarded-* / Forwarded are kept and appended
 *                       to; default none (they are replaced)
 * @param via            add {@code Via: 1.1 nproxy} both ways; default false
 * @param host           {@code Host} sent upstream; default null = the client's {@code Host}
 */
public record Forwarding(String mode, List<Cidr> trustedProxies, boolean via, Template host) {
    /** The {@code Via} entry this proxy adds. */
    public static final String VIA = "1.1 nproxy";
    /** The modes of the {@code forwarded} attribute. */
    public static final List<String> MODES = List.of("x-forwarded", "forwarded", "both", "none");

    public Forwarding {
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** Reads {@code forwarded}, {@code trusted-proxies}, {@code via} and {@code host}, reporting bad values. */
    public static Forwarding bind(ConfigElement e) {
        String mode = e.oneOf("forwarded", "x-forwarded", MODES);
        List<Cidr> trusted = new ArrayList<>();
        for (String t : e.string("trusted-proxies", "").trim().split("[\\s,]+")) {
            if (t.isEmpty()) {
                continue;
            }
            try {
                trusted.add(Cidr.parse(t));
            } catch (IllegalArgumentException ex) {
                e.attributeError("trusted-proxies", "bad address or block '" + t + "'",
                    "addresses or CIDR blocks such as 10.0.0.0/8 ::1");
            }
        }
        String host = e.string("host", null);
        return new Forwarding(mode, trusted, e.bool("via", false), host == null ? null : Template.parse(host));
    }

    /** Whether the client is one of {@link #trustedProxies}, so its forwarding headers are kept. */
    public boolean trusted(Request clientToProxyRequest) {
        if (trustedProxies.isEmpty()) {
            return false;
        }
        SocketAddress remote = clientToProxyRequest.getConnectionMetaData().getRemoteSocketAddress();
        if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return false;
        }
        InetAddress address = inet.getAddress();
        for (Cidr c : trustedProxies) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the upstream request's headers: the client's end-to-end headers, then {@code Host},
     * the forwarding headers and the W3C {@code traceparent} / {@code tracestate} of
     * {@link TraceContext} (Nproxy's span as the upstream's parent).
     *
     * @param skip more lower-case header names the caller writes itself (e.g. a WebSocket key)
     */
    public void proxyToUpstreamHeaders(Request clientToProxyRequest, HttpFields.Mutable out, Set<String> skip) {
        HttpFields in = clientToProxyRequest.getHeaders();
        Set<String> connectionTokens = HopByHop.connectionTokens(in);
        boolean trusted = trusted(clientToProxyRequest);
        String clientHost = null;
        String xff = null;
        String forwarded = null;
        for (HttpField f : in) {
            HttpHeader h = f.getHeader();
            if (HopByHop.isHopByHop(h) || h == HttpHeader.EXPECT) {
                continue; // Expect: the forwarding module decides (the proxy sends its own, docs/proxy.md)
            }
            if (h == HttpHeader.HOST) {
                clientHost = f.getValue();
                continue;
            }
            if (h == HttpHeader.X_FORWARDED_FOR) {
                xff = xff == null ? f.getValue() : xff + ", " + f.getValue();
                continue;
            }
            if (h == HttpHeader.FORWARDED) {
                forwarded = forwarded == null ? f.getValue() : forwarded + ", " + f.getValue();
                continue;
            }
            if (!trusted && (h == HttpHeader.X_FORWARDED_PROTO || h == HttpHeader.X_FORWARDED_HOST
                || h == HttpHeader.X_FORWARDED_PORT || h == HttpHeader.X_FORWARDED_SERVER)) {
                continue;
            }
            String name = f.getLowerCaseName();
            if (connectionTokens.contains(name) || skip.contains(name)
                || name.equals(TraceContext.TRACEPARENT) || name.equals(TraceContext.TRACESTATE)) {
                continue;
            }
            out.add(f);
        }
        // W3C trace context: the client's trace continued (or a new one), Nproxy's hop as the parent.
        TraceContext trace = TraceContext.of(clientToProxyRequest);
        trace.propagate(out, trace.spanId());
        if (clientHost == null) {
            clientHost = Request.getServerName(clientToProxyRequest);
            int port = Request.getServerPort(clientToProxyRequest);
            if (port > 0 && port != 80 && port != 443) {
                clientHost = clientHost + ":" + port;
            }
        }
        out.put(HttpHeader.HOST, host == null ? clientHost : host.render(n -> RequestVariables.get(clientToProxyRequest, n)));
        String remote = Request.getRemoteAddr(clientToProxyRequest);
        String scheme = clientToProxyRequest.isSecure() ? "https" : "http";
        if (mode.equals("x-forwarded") || mode.equals("both")) {
            out.put(HttpHeader.X_FORWARDED_FOR, trusted && xff != null ? xff + ", " + remote : remote);
            if (!out.contains(HttpHeader.X_FORWARDED_PROTO)) {
                out.put(HttpHeader.X_FORWARDED_PROTO, scheme);
            }
            if (!out.contains(HttpHeader.X_FORWARDED_HOST)) {
                out.put(HttpHeader.X_FORWARDED_HOST, clientHost);
            }
            if (!out.contains(HttpHeader.X_FORWARDED_PORT)) {
                out.put(HttpHeader.X_FORWARDED_PORT, Integer.toString(Request.getLocalPort(clientToProxyRequest)));
            }
        } else if (trusted && xff != null) {
            out.put(HttpHeader.X_FORWARDED_FOR, xff);
        }
        if (mode.equals("forwarded") || mode.equals("both")) {
            String node = remote.indexOf(':') >= 0 ? "\"[" + remote + "]\"" : remote;
            String element = "for=" + node + ";proto=" + scheme + ";host=\"" + clientHost.replace("\"", "") + "\"";
            out.put(HttpHeader.FORWARDED, trusted && forwarded != null ? forwarded + ", " + element : element);
        } else if (trusted && forwarded != null) {
            out.put(HttpHeader.FORWARDED, forwarded);
        }
        if (via) {
            out.add(HttpHeader.VIA, VIA);
        }
    }
}
