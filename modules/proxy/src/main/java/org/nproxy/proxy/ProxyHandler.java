package org.nproxy.proxy;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.upstream.UpstreamGroup;

/**
 * The {@code <proxy>} handler: picks a peer, sends the client's request to it over a pooled
 * connection, and streams the answer back, trailers included. The handler thread sends the first
 * attempt and returns; the answer is handled in Jetty's client callbacks, where a failed attempt
 * is retried or turned into a 502/504, or the body is copied chunk by chunk with back-pressure
 * both ways.
 *
 * <p>By phase: {@link ProxyCall} (one client request and its tries), {@link UpstreamRequests}
 * (the request each attempt sends), {@link UpstreamAttempt} (one try at one peer: stream, retry
 * or fail), {@link ProxyToClient} (the answer's head and body to the client).
 */
final class ProxyHandler extends Handler.Abstract {
    final ProxySettings settings;
    final UpstreamGroup group;
    final boolean ipHash;
    final long sendMillis;
    final long readMillis;

    final Upgrades upgrades;

    ProxyHandler(ProxySettings settings, UpstreamGroup group, Upgrades upgrades) {
        // handle() only builds and sends the upstream request (Jetty's client does not block on
        // it); answers arrive through callbacks. The selector may run it in place.
        super(InvocationType.NON_BLOCKING);
        this.settings = settings;
        this.group = group;
        this.ipHash = group.config().balance().equals("ip_hash");
        this.sendMillis = settings.sendTimeout().toMillis();
        this.readMillis = settings.readTimeout().toMillis();
        this.upgrades = upgrades;
        addBean(upgrades); // the tunnel handlers start and stop with this one
    }

    @Override
    public void setServer(org.eclipse.jetty.server.Server server) {
        super.setServer(server);
        upgrades.setServer(server);
    }

    @Override
    public boolean handle(Request clientToProxyRequest, Response proxyToClientResponse, Callback callback) {
        if (upgrades.handle(this, clientToProxyRequest, proxyToClientResponse, callback)) {
            return true;
        }
        new ProxyCall(this, clientToProxyRequest, proxyToClientResponse, callback).next(null);
        return true;
    }

    @Override
    public String toString() {
        return "proxy->" + group.config().name() + "@" + Integer.toHexString(hashCode());
    }
}
