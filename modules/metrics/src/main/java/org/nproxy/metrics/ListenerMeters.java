package org.nproxy.metrics;

import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.quic.common.QuicConnection;
import org.eclipse.jetty.quic.server.QuicServerConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.SslConnectionFactory;

/**
 * Meters of the listeners, read from Jetty's connectors (the core's {@code Listener} is left as
 * it is): {@code nproxy_connections{listener,protocol}} open now (TCP connectors; protocol
 * {@code http/1.1}, {@code h2}, or {@code tls} while a handshake is still going; on a QUIC
 * connector {@code h3}: its QUIC sessions),
 * {@code nproxy_tls_handshakes_total{listener,result}} and
 * {@code nproxy_tls_certificate_expiry_timestamp_seconds{listener,server}} (server: the
 * certificate's subject CN). The listener label is the connector's name, the {@code host:port}
 * of its {@code <listen>}. Synced with the server's connectors at each scrape, so listeners a
 * reload adds or removes appear and disappear; handshakes are counted from the scrape after a
 * listener appeared.
 */
final class ListenerMeters {
    static final List<String> PROTOCOLS = List.of("http/1.1", "h2", "tls");
    /** The protocol label of a QUIC connector's connections. */
    static final String H3 = "h3";

    private final MeterRegistry registry;
    private final Server server;
    /** Meters per connector, removed with it. */
    private final Map<Connector, List<Meter>> byConnector = new ConcurrentHashMap<>();
    private final Map<Connector, Map<String, Meter>> certificates = new HashMap<>();

    private ListenerMeters(MeterRegistry registry, Server server) {
        this.registry = registry;
        this.server = server;
    }

    static ListenerMeters attach(MeterRegistry registry, Server server) {
        ListenerMeters meters = new ListenerMeters(registry, server);
        meters.refresh();
        return meters;
    }

    /** Adds meters for new connectors, removes those of connectors gone, re-reads certificates. */
    synchronized void refresh() {
        List<Connector> now = List.of(server.getConnectors());
        for (Connector c : List.copyOf(byConnector.keySet())) {
            if (!now.contains(c)) {
                remove(c);
            }
        }
        for (Connector c : now) {
            if (c instanceof QuicServerConnector && c.getName() != null) {
                byConnector.computeIfAbsent(c, this::registerQuic);
            } else if (c instanceof NetworkConnector && c.getName() != null) {
                byConnector.computeIfAbsent(c, this::register);
                certificates(c);
            }
        }
    }

    private List<Meter> register(Connector c) {
        String listener = c.getName();
        List<Meter> meters = new java.util.ArrayList<>();
        for (String protocol : PROTOCOLS) {
            meters.add(Gauge.builder("nproxy.connections", c, k -> count(k, protocol))
                .description("Connections open now, per listener and protocol (tls: handshake not done yet)")
                .tags("listener", listener, "protocol", protocol).strongReference(true).register(registry));
        }
        SslConnectionFactory tls = c.getConnectionFactory(SslConnectionFactory.class);
        if (tls != null) {
            String help = "TLS handshakes per listener, by result";
            Counter ok = Counter.builder("nproxy.tls.handshakes").description(help)
                .tags("listener", listener, "result", "ok").register(registry);
            Counter failed = Counter.builder("nproxy.tls.handshakes").description(help)
                .tags("listener", listener, "result", "failed").register(registry);
            meters.add(ok);
            meters.add(failed);
            tls.addBean(new SslHandshakeListener() {
                @Override
                public void handshakeSucceeded(Event event) {
                    ok.increment();
                }

                @Override
                public void handshakeFailed(Event event, Throwable failure) {
                    failed.increment();
                }
            });
        }
        return meters;
    }

    /** A QUIC connector: its UDP end point's connection holds one session per HTTP/3 connection. */
    private List<Meter> registerQuic(Connector c) {
        return List.of(Gauge.builder("nproxy.connections", c, ListenerMeters::quicSessions)
            .description("Connections open now, per listener and protocol (tls: handshake not done yet)")
            .tags("listener", c.getName(), "protocol", H3).strongReference(true).register(registry));
    }

    private static double quicSessions(Connector c) {
        int n = 0;
        for (EndPoint e : c.getConnectedEndPoints()) {
            if (e.getConnection() instanceof QuicConnection quic) {
                n += quic.getQuicSessions().size();
            }
        }
        return n;
    }

    private static double count(Connector c, String protocol) {
        int n = 0;
        for (EndPoint e : c.getConnectedEndPoints()) {
            if (protocol.equals(protocol(e.getConnection()))) {
                n++;
            }
        }
        return n;
    }

    private static String protocol(Connection c) {
        if (c instanceof SslConnection ssl) {
            Connection inner = ssl.getSslEndPoint().getConnection();
            return inner == null || inner == ssl || inner.getClass().getSimpleName().contains("ALPN") ? "tls" : protocol(inner);
        }
        return c != null && c.getClass().getSimpleName().contains("HTTP2") ? "h2" : "http/1.1";
    }

    /** One gauge per certificate of the connector's key store, replaced when the store changes. */
    private void certificates(Connector c) {
        SslConnectionFactory tls = c.getConnectionFactory(SslConnectionFactory.class);
        if (tls == null) {
            return;
        }
        Map<String, Double> expiry = new HashMap<>();
        try {
            KeyStore store = tls.getSslContextFactory().getKeyStore();
            if (store != null) {
                for (String alias : Collections.list(store.aliases())) {
                    Certificate cert = store.getCertificate(alias);
                    if (cert instanceof X509Certificate x) {
                        expiry.put(commonName(x), x.getNotAfter().getTime() / 1000.0);
                    }
                }
            }
        } catch (Exception e) {
            return; // not loaded yet: try at the next scrape
        }
        Map<String, Meter> old = certificates.computeIfAbsent(c, k -> new HashMap<>());
        for (Map.Entry<String, Meter> e : Map.copyOf(old).entrySet()) {
            Double v = expiry.get(e.getKey());
            if (v == null || ((Gauge) e.getValue()).value() != v) {
                registry.remove(old.remove(e.getKey()));
            }
        }
        expiry.forEach((name, when) -> old.computeIfAbsent(name, n -> Gauge.builder(
                "nproxy.tls.certificate.expiry.timestamp", () -> when).baseUnit("seconds")
            .description("When the certificate served for a server name stops being valid (Unix time)")
            .tags("listener", c.getName(), "server", n).register(registry)));
    }

    private static String commonName(X509Certificate x) {
        for (String part : x.getSubjectX500Principal().getName().split(",")) {
            if (part.trim().startsWith("CN=")) {
                return part.trim().substring(3);
            }
        }
        return x.getSubjectX500Principal().getName();
    }

    private void remove(Connector c) {
        List<Meter> meters = byConnector.remove(c);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
        Map<String, Meter> certs = certificates.remove(c);
        if (certs != null) {
            certs.values().forEach(registry::remove);
        }
    }

    synchronized void close() {
        List.copyOf(byConnector.keySet()).forEach(this::remove);
    }
}
