package org.nproxy.websocket;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.core.Configuration;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.ExtensionConfig;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.exception.UpgradeException;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.nproxy.server.ShortReadEndPoint;
import org.nproxy.upstream.balance.Member;
import org.nproxy.spi.Units;
import org.nproxy.upstream.UpstreamGroup;
import org.nproxy.upstream.forward.PeerTries;
import org.nproxy.upstream.forward.UpstreamErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code <websocket>} handler. For a WebSocket upgrade (HTTP/1.1 or HTTP/2 extended CONNECT)
 * it first opens the upstream side (the peer decides the handshake: its status, subprotocol,
 * extensions and headers are what the client gets), then accepts the client's upgrade and hands
 * both sessions to a {@link Tunnel}. Anything else is not ours: {@code false}, untouched.
 */
final class WebSocketHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHandler.class);
    /**
     * Request headers the upstream WebSocket client writes itself (the handshake's own); hop-by-hop
     * and forwarding headers are the shared {@link org.nproxy.upstream.forward.Forwarding}'s business.
     */
    private static final Set<String> HANDSHAKE = Set.of("trailer", "content-length", "sec-websocket-key",
        "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol", "sec-websocket-accept");
    /** Upstream response headers Jetty writes itself for the client's 101. */
    private static final Set<String> NOT_RETURNED = Set.of("connection", "upgrade", "keep-alive", "transfer-encoding",
        "content-length", "date", "server", "sec-websocket-accept", "sec-websocket-extensions", "sec-websocket-protocol");

    private final WebSocketSettings settings;
    private final UpstreamGroup group;
    private final Tunnels tunnels;
    private final Routes.Registration routes;
    private final Scheduler scheduler;
    private final Handshaker handshaker = Handshaker.newInstance();
    private final Duration handshakeTimeout;
    private final boolean ipHash;
    private final WebSocketMeters meters;

    WebSocketHandler(WebSocketSettings settings, UpstreamGroup group, Tunnels tunnels, Routes.Registration routes,
                     Scheduler scheduler, WebSocketMeters meters) {
        this.meters = meters;
        this.settings = settings;
        this.group = group;
        this.tunnels = tunnels;
        this.routes = routes;
        this.scheduler = scheduler;
        this.handshakeTimeout = settings.connectTimeout().isZero()
            ? group.config().pool().connectTimeout().plusSeconds(10) : settings.connectTimeout();
        this.ipHash = group.config().balance().equals("ip_hash");
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        tunnels.routes().register(routes);
    }

    /** Runs once the generation has drained: tunnels whose route is gone with it get their deadline. */
    @Override
    protected void doStop() throws Exception {
        try {
            super.doStop();
        } finally {
            tunnels.routes().unregister(routes);
        }
    }

    @Override
    public boolean handle(Request clientToProxyRequest, Response proxyToClientResponse, Callback callback) {
        if (!handshaker.isWebSocketUpgradeRequest(clientToProxyRequest)) {
            if (otherVersion(clientToProxyRequest)) {
                // RFC 6455 section 4.4: an upgrade to a version we do not speak is answered with ours.
                proxyToClientResponse.getHeaders().put(HttpHeader.SEC_WEBSOCKET_VERSION, "13");
                writePlain(proxyToClientResponse, callback, HttpStatus.UPGRADE_REQUIRED_426,
                    "426 Upgrade Required\nSec-WebSocket-Version 13 only\n");
                return true;
            }
            return false;
        }
        if (!originAllowed(clientToProxyRequest)) {
            Response.writeError(clientToProxyRequest, proxyToClientResponse, callback, HttpStatus.FORBIDDEN_403,
                "origin not allowed");
            return true;
        }
        String key = ipHash ? Request.getRemoteAddr(clientToProxyRequest) : null;
        String pathQuery = clientToProxyRequest.getHttpURI().getPathQuery();
        String label = Request.getRemoteAddr(clientToProxyRequest) + ":" + Request.getRemotePort(clientToProxyRequest)
            + " " + pathQuery + " upstream=" + group.config().name();
        Routes.Key route = routes.key(clientToProxyRequest.getConnectionMetaData().getConnector().getName());
        PeerTries tries = new PeerTries(group, key, settings.tries());
        for (Member member = tries.next(); member != null; member = tries.next()) {
            int attempt = tries.attempts();
            Tunnel tunnel = new Tunnel(tunnels, settings, member, scheduler, label, route, routes, meters);
            URI uri = URI.create("ws://" + member.config().host() + ":" + member.config().port() + pathQuery);
            UpstreamUpgrade proxyToUpstreamUpgrade = new UpstreamUpgrade(tunnels.client(group.config().pool().connectTimeout()),
                uri, tunnel.upstreamSide());
            proxyToUpstreamHeaders(clientToProxyRequest, proxyToUpstreamUpgrade);
            proxyToUpstreamUpgrade.setConfiguration(relayConfiguration());
            proxyToUpstreamUpgrade.timeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            member.state().begin();
            CoreSession upstreamSession;
            try {
                CompletableFuture<CoreSession> connecting = tunnels.client(group.config().pool().connectTimeout())
                    .connect(proxyToUpstreamUpgrade);
                upstreamSession = connecting.get(handshakeTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (Throwable x) {
                member.state().end();
                Throwable failure = x instanceof ExecutionException && x.getCause() != null ? x.getCause() : x;
                if (x instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (failure instanceof UpgradeException ue && ue.getResponseStatusCode() > 0
                    && ue.getResponseStatusCode() != HttpStatus.SWITCHING_PROTOCOLS_101) {
                    // The peer answered: its refusal is the answer (not a peer failure, as with nginx).
                    member.state().succeed();
                    meters.refused.increment();
                    upstreamToClientRefusal(proxyToUpstreamUpgrade, ue.getResponseStatusCode(), proxyToClientResponse, callback);
                    return true;
                }
                boolean out = tries.failed(member, failure, true);
                LOG.warn("upstream '{}' peer {} failed the WebSocket handshake for {} (attempt {}): {}{}",
                    group.config().name(), member.address(), pathQuery, attempt, failure.toString(),
                    out ? "; peer out for " + Units.format(member.config().failTimeout()) : "");
                continue;
            }
            member.state().succeed();
            meters.upgraded.increment();
            acceptClient(clientToProxyRequest, proxyToClientResponse, callback, tunnel, proxyToUpstreamUpgrade, upstreamSession);
            return true;
        }
        if (tries.lastFailure() == null) {
            LOG.warn("upstream '{}': no live peer for WebSocket {}", group.config().name(), pathQuery);
        }
        meters.failed.increment();
        UpstreamErrors.write(proxyToClientResponse, callback, UpstreamErrors.status(tries.lastFailure()));
        return true;
    }

    private void acceptClient(Request clientToProxyRequest, Response proxyToClientResponse, Callback callback,
                              Tunnel tunnel, UpstreamUpgrade upgrade, CoreSession upstreamSession) {
        WebSocketNegotiator negotiator = new WebSocketNegotiator() {
            @Override
            public FrameHandler negotiate(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback cb) {
                response.setAcceptedSubProtocol(upstreamSession.getNegotiatedSubProtocol());
                List<String> upstreamExtensions = upstreamSession.getNegotiatedExtensions().stream()
                    .map(ExtensionConfig::getName).toList();
                response.setExtensions(request.getExtensions().stream()
                    .filter(e -> upstreamExtensions.contains(e.getName())).toList());
                HttpFields.Mutable out = response.getHeaders();
                for (HttpField f : upgrade.responseHeaders()) {
                    if (!NOT_RETURNED.contains(f.getLowerCaseName())) {
                        out.add(f);
                    }
                }
                return tunnel.clientSide();
            }

            @Override
            public void customize(Configuration configuration) {
                relayConfiguration().customize(configuration);
            }
        };
        if (clientToProxyRequest.getConnectionMetaData().getHttpVersion().getVersion() <= 11) {
            // From here on this TCP connection is the tunnel's: its frames are relayed with callbacks,
            // so the selector may run them instead of starting a virtual thread per frame (Jetty types
            // a WebSocket connection's reads blocking). Harmless if the upgrade fails: Nproxy's
            // HTTP/1.1 reads dispatch blocking handlers themselves.
            ShortReadEndPoint.readNonBlocking(clientToProxyRequest.getConnectionMetaData().getConnection().getEndPoint());
        }
        boolean upgraded;
        try {
            upgraded = handshaker.upgradeRequest(negotiator, clientToProxyRequest, proxyToClientResponse, callback,
                tunnels.components(), null);
        } catch (Throwable x) {
            tunnel.clientUpgradeFailed(x.toString());
            LOG.debug("client upgrade failed", x);
            if (!proxyToClientResponse.isCommitted()) {
                writePlain(proxyToClientResponse, callback, HttpStatus.BAD_REQUEST_400, "bad WebSocket upgrade\n");
            } else {
                callback.failed(x);
            }
            return;
        }
        if (!upgraded) {
            tunnel.clientUpgradeFailed("not a valid upgrade");
            writePlain(proxyToClientResponse, callback, HttpStatus.BAD_REQUEST_400, "bad WebSocket upgrade\n");
        }
    }

    private Configuration.ConfigurationCustomizer relayConfiguration() {
        Configuration.ConfigurationCustomizer c = new Configuration.ConfigurationCustomizer();
        c.setIdleTimeout(settings.idleTimeout());
        c.setAutoFragment(true);
        c.setMaxFrameSize(WebSocketSettings.RELAY_FRAME_SIZE);
        // Network buffers are pooled and held only while bytes are in them, so idle tunnels pay nothing for this.
        c.setInputBufferSize(WebSocketSettings.INPUT_BUFFER_SIZE);
        // Messages are never aggregated here (the relay counts them itself), so Jetty's limits are off.
        c.setMaxTextMessageSize(Long.MAX_VALUE);
        c.setMaxBinaryMessageSize(Long.MAX_VALUE);
        return c;
    }

    private void proxyToUpstreamHeaders(Request clientToProxyRequest, UpstreamUpgrade upgrade) {
        HttpFields in = clientToProxyRequest.getHeaders();
        List<String> subprotocols = in.getCSV(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL, true);
        if (!subprotocols.isEmpty()) {
            upgrade.setSubProtocols(subprotocols);
        }
        List<String> offered = in.getCSV(HttpHeader.SEC_WEBSOCKET_EXTENSIONS, true);
        if (!offered.isEmpty()) {
            for (ExtensionConfig e : ExtensionConfig.parseList(offered.toArray(String[]::new))) {
                if (tunnels.components().getExtensionRegistry().isAvailable(e.getName())) {
                    upgrade.addExtensions(e);
                }
            }
        }
        upgrade.headers(out -> settings.forwarding().proxyToUpstreamHeaders(clientToProxyRequest, out, HANDSHAKE));
    }

    private static void upstreamToClientRefusal(UpstreamUpgrade upgrade, int status, Response proxyToClientResponse,
                                                Callback callback) {
        proxyToClientResponse.setStatus(status);
        HttpFields.Mutable out = proxyToClientResponse.getHeaders();
        for (HttpField f : upgrade.responseHeaders()) {
            String name = f.getLowerCaseName();
            if (!NOT_RETURNED.contains(name) || name.equals("date") || name.equals("server")) {
                out.put(f);
            }
        }
        byte[] body = upgrade.body();
        out.put(HttpHeader.CONTENT_LENGTH, body.length);
        proxyToClientResponse.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * A WebSocket upgrade (HTTP/1.1 {@code Upgrade: websocket}, or an h2/h3 extended CONNECT) whose
     * {@code Sec-WebSocket-Version} is not 13: Jetty's handshaker does not take it for an upgrade.
     */
    static boolean otherVersion(Request request) {
        HttpFields h = request.getHeaders();
        String version = h.get(HttpHeader.SEC_WEBSOCKET_VERSION);
        if (version == null || version.trim().equals("13")) {
            return false;
        }
        boolean http1 = org.eclipse.jetty.http.HttpMethod.GET.is(request.getMethod())
            && h.getCSV(HttpHeader.UPGRADE, false).stream().anyMatch(t -> t.equalsIgnoreCase("websocket"));
        return http1 || org.eclipse.jetty.http.HttpMethod.CONNECT.is(request.getMethod());
    }

    private boolean originAllowed(Request request) {
        if (settings.origins().isEmpty() || settings.origins().contains("*")) {
            return true;
        }
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin == null) {
            return false;
        }
        String normalized = WebSocketHandlerFactory.normalizeOrigin(origin);
        return normalized != null && settings.origins().contains(normalized);
    }

    private static void writePlain(Response response, Callback callback, int status, String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public String toString() {
        return "websocket->" + group.config().name() + "@" + Integer.toHexString(hashCode());
    }
}
