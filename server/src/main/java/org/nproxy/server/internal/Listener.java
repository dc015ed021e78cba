package org.nproxy.server.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http3.server.HTTP3ServerConnectionFactory;
import org.eclipse.jetty.quic.server.QuicServerConnector;
import org.eclipse.jetty.quic.server.ServerQuicConfiguration;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.nproxy.config.GlobalSettings;
import org.nproxy.config.ListenConfig;
import org.nproxy.config.ServerConfig;
import org.nproxy.server.internal.h2.StrictH2Factory;
import org.nproxy.server.internal.http1.GuardedHttpConnectionFactory;
import org.nproxy.server.internal.tls.AltSvcCustomizer;
import org.nproxy.server.internal.tls.BatchingSslConnectionFactory;
import org.nproxy.server.internal.tls.ListenerCertificates;
import org.nproxy.server.internal.tls.SniSslContextFactory;
import org.nproxy.tls.KeyMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connectors of one {@code <listen>}: the TCP connector (cleartext, or TLS with ALPN
 * choosing h2 or HTTP/1.1) and, with {@code h3}, a QUIC connector on the same port number over
 * UDP. Kept across reloads while the listener's key and shape stay; {@link #prepare}/{@link #apply} swap its
 * certificates in place.
 */
public final class Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);

    private final ListenConfig config;
    private final ServerConnector tcp;
    private final SniSslContextFactory tls;
    private final QuicServerConnector quic;
    private final SslContextFactory.Server quicTls;
    private volatile KeyMaterial quicMaterial;

    private Listener(ListenConfig config, ServerConnector tcp, SniSslContextFactory tls, QuicServerConnector quic,
                     SslContextFactory.Server quicTls, KeyMaterial quicMaterial) {
        this.config = config;
        this.tcp = tcp;
        this.tls = tls;
        this.quic = quic;
        this.quicTls = quicTls;
        this.quicMaterial = quicMaterial;
    }

    /**
     * Builds the connectors (not started) and adds them to the server. With {@code h3} on port
     * 0 the TCP socket is bound now, so that QUIC can take the same port number.
     *
     * @param servers the server blocks on this listener, in file order
     * @param base    instance directory; QUIC's PEM files go to {@code var/quic/}
     */
    public static Listener create(Server server, ListenConfig listen, List<ServerConfig> servers, GlobalSettings global,
                                  Path base) throws Exception {
        if (!listen.tls()) {
            ServerConnector tcp = Connectors.create(server, listen, global);
            server.addConnector(tcp);
            return new Listener(listen, tcp, null, null, null, null);
        }
        ListenerCertificates certificates = new ListenerCertificates(servers);
        SniSslContextFactory tls = new SniSslContextFactory(certificates);
        HttpConfiguration http = Connectors.httpConfiguration(listen, global);
        // No blanket SNI checks: the certificate is picked from the server names, and a Host that
        // belongs to another server block than the SNI gets 421 from the dispatcher.
        http.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
        HttpConfiguration tcpHttp = new HttpConfiguration(http);

        QuicServerConnector quic = null;
        SslContextFactory.Server quicTls = null;
        if (listen.has("h3")) {
            quicTls = new SslContextFactory.Server();
            quicTls.setKeyStore(certificates.defaultKeyStore());
            quicTls.setKeyStorePassword("nproxy");
            Path pemDir = base.resolve("var/quic").resolve(listen.key().replaceAll("[^A-Za-z0-9.-]", "_"));
            Files.createDirectories(pemDir);
            ServerQuicConfiguration quicConfig = new ServerQuicConfiguration(quicTls, pemDir);
            HTTP3ServerConnectionFactory h3 = new HTTP3ServerConnectionFactory(quicConfig, new HttpConfiguration(http));
            h3.getHTTP3Configuration().setMaxRequestHeadersSize(http.getRequestHeaderSize());
            quicConfig.setMaxBidirectionalRemoteStreams(listen.limits().maxConcurrentStreams());
            quicConfig.setBidirectionalStreamRecvWindow(listen.limits().streamWindow());
            quicConfig.setSessionRecvWindow(listen.limits().connectionWindow());
            quic = new ReusePortQuicConnector(server, quicConfig, h3);
            quic.setName(listen.key()); // the dispatcher routes by connector name = listener key
            quic.setHost(listen.host());
            quic.setIdleTimeout(global.idleTimeout().toMillis());
            QuicServerConnector udp = quic;
            tcpHttp.addCustomizer(new AltSvcCustomizer(udp::getLocalPort, host -> {
                ListenerCertificates current = tls.certificates();
                return current.aliasFor(host).equals(current.defaultAlias());
            }));
        }

        List<ConnectionFactory> factories = new ArrayList<>();
        List<String> alpnProtocols = new ArrayList<>();
        for (String p : listen.protocols()) {
            if (p.equals("h2")) {
                factories.add(Connectors.limit(new StrictH2Factory(tcpHttp), listen.limits()));
                alpnProtocols.add("h2");
            } else if (p.equals("http/1.1")) {
                factories.add(new GuardedHttpConnectionFactory(tcpHttp, global.hardening()));
                alpnProtocols.add("http/1.1");
            }
        }
        if (alpnProtocols.isEmpty()) {
            throw new IllegalStateException("TLS listener " + listen.key() + " has no TCP protocol (h2 or http/1.1)");
        }
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(alpnProtocols.toArray(String[]::new));
        // Clients without ALPN speak HTTP/1.1 if we do, else h2.
        alpn.setDefaultProtocol(alpnProtocols.contains("http/1.1") ? "http/1.1" : "h2");
        factories.add(0, alpn);
        factories.add(0, new BatchingSslConnectionFactory(tls, alpn.getProtocol()));
        ServerConnector tcp = Connectors.configure(
            new TcpConnector(server, factories.toArray(ConnectionFactory[]::new)), listen, global);
        server.addConnector(tcp);
        if (quic != null) {
            if (listen.port() == 0) {
                tcp.open();
            }
            quic.setPort(listen.port() == 0 ? tcp.getLocalPort() : listen.port());
            server.addConnector(quic);
        }
        return new Listener(listen, tcp, tls, quic, quicTls, certificates.defaultMaterial());
    }

    public ListenConfig config() {
        return config;
    }

    public ServerConnector tcp() {
        return tcp;
    }

    /** TCP and, with h3, QUIC. */
    public List<Connector> connectors() {
        return quic == null ? List.of(tcp) : List.of(tcp, quic);
    }

    public int port() {
        return tcp.getLocalPort();
    }

    /** Starts what the server did not start itself (a listener added by a reload). */
    public void start() throws Exception {
        tcp.start();
        if (quic != null) {
            quic.start();
        }
    }

    /** Why a reload cannot keep this listener as it is, or null when it can. */
    public String incompatibility(ListenConfig next) {
        if (next.shape().equals(config.shape())) {
            return null;
        }
        return "listener " + config.key() + " changes from " + config.shape() + " to " + next.shape()
            + ": restart nproxy to apply that (only certificates and server blocks change on reload)";
    }

    /**
     * Reload, first step: reads the certificates of the next generation's server blocks on this
     * listener (may fail: nothing changes then); {@link #apply} re-keys the TLS context with them.
     * Null for a listener without TLS.
     */
    public ListenerCertificates prepare(List<ServerConfig> servers) throws Exception {
        return tls == null ? null : new ListenerCertificates(servers);
    }

    /** Installs certificates read by {@link #prepare}; a kept TLS listener serves them from now on. */
    public void apply(ListenerCertificates next) throws Exception {
        if (tls == null || next == null) {
            return;
        }
        tls.update(next);
        if (quic != null && !next.defaultMaterial().sameAs(quicMaterial)) {
            // quiche reads the certificate as PEM files when the connector starts: restart it.
            LOG.info("{}: new default certificate, restarting HTTP/3", config.key());
            quic.stop();
            quicTls.setKeyStore(next.defaultKeyStore());
            quic.start();
            quicMaterial = next.defaultMaterial();
        }
    }

    /** Stops accepting; open connections finish. */
    public void shutdown() {
        tcp.shutdown();
        if (quic != null) {
            quic.shutdown();
        }
    }

    /**
     * The old process of an upgrade stops accepting: the TCP listening socket closes (the kernel sends
     * new connections to the new process) and HTTP/3 shuts down. Not Jetty's {@code shutdown()} on TCP:
     * that cuts every open connection's idle timeout to a second (an idle WebSocket tunnel would be
     * dropped instead of drained) and makes every HTTP/1 answer, a 101 included, carry
     * {@code Connection: close} ({@link Handover} says close itself, except on upgrades).
     */
    public void handOver() {
        tcp.close();
        if (quic != null) {
            quic.shutdown();
        }
    }

    public void stop() throws Exception {
        tcp.stop();
        if (quic != null) {
            quic.stop();
        }
    }

    public void removeFrom(Server server) {
        server.removeConnector(tcp);
        if (quic != null) {
            server.removeConnector(quic);
        }
    }
}
