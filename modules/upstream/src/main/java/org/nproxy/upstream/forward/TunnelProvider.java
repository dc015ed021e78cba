package org.nproxy.upstream.forward;

import org.eclipse.jetty.server.Handler;
import org.nproxy.spi.ModuleContext;
import org.nproxy.upstream.UpstreamConfig;

/**
 * A module that carries protocol upgrades (WebSocket) for a forwarding handler that only speaks
 * HTTP: {@code <proxy>} finds the installed providers with {@code BindContext.services(TunnelProvider.class)}
 * and hands them the upgrade requests of its location, so a location with {@code <proxy>} alone
 * carries WebSocket with the proxy's upstream group and forwarding policy. Without a provider for
 * the protocol an upgrade is answered 501.
 *
 * <p>Declared in {@code META-INF/services/org.nproxy.upstream.forward.TunnelProvider}; needs a public
 * no-argument constructor (the proxy keeps the class in its bound settings, a value, and makes
 * an instance per generation). The websocket module's {@code WebSocketTunnelProvider} is the
 * built-in one.
 */
public interface TunnelProvider {
    /** The upgrade token it carries, lower case, e.g. {@code websocket} (RFC 9110 section 7.8). */
    String protocol();

    /**
     * The handler of one location's upgrade requests to {@code upstream}'s peers, with the
     * provider's default tunnel settings and the forwarding handler's {@code forwarding}. It
     * returns {@code false}, untouched, for a request that is not its upgrade; it may block (the
     * caller runs it on a virtual thread). Its lifecycle follows the forwarding handler's.
     *
     * @param context the forwarding handler's context (mount, settings, shared resources)
     */
    Handler create(UpstreamConfig upstream, Forwarding forwarding, ModuleContext context) throws Exception;
}
