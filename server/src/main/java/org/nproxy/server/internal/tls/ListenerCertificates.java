package org.nproxy.server.internal.tls;

import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.nproxy.config.ServerConfig;
import org.nproxy.config.TlsConfig;
import org.nproxy.routing.VirtualHosts;
import org.nproxy.tls.KeyMaterial;

/**
 * The certificates of one TLS listener, one key-store alias per server block with a
 * {@code <tls>}, and which alias answers which SNI name: the server block that the name selects
 * (nginx's order: exact, wildcards, regex, default) if it has a certificate, else the default
 * certificate. The default certificate (for clients without SNI, and for HTTP/3) is the
 * listener's default server's, or the first server block's with a {@code <tls>}. Immutable.
 */
public final class ListenerCertificates {
    /** Password of the in-memory key store; it never leaves the process. */
    static final char[] PASSWORD = "nproxy".toCharArray();

    private final VirtualHosts<ServerConfig> hosts;
    private final Map<ServerConfig, String> aliases = new LinkedHashMap<>();
    private final String defaultAlias;
    private final KeyMaterial defaultMaterial;
    private final KeyStore keyStore;
    private final KeyStore trustStore;
    private final boolean wantClientAuth;
    private final TlsConfig settings;

    public ListenerCertificates(List<ServerConfig> servers) throws Exception {
        this.hosts = new VirtualHosts<>(servers, ServerConfig::names, ServerConfig::isDefault);
        keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int cas = 0;
        boolean want = false;
        TlsConfig first = null;
        for (ServerConfig server : servers) {
            TlsConfig tls = server.tls();
            if (tls == null) {
                continue;
            }
            first = first == null ? tls : first;
            String alias = "server-" + server.index();
            aliases.put(server, alias);
            PrivateKey key = tls.material().key();
            keyStore.setKeyEntry(alias, key, PASSWORD, tls.material().chain().toArray(new Certificate[0]));
            want |= tls.clientAuth() != TlsConfig.ClientAuth.NONE;
            for (X509Certificate ca : tls.clientCas()) {
                trust.setCertificateEntry("ca-" + (cas++), ca);
            }
        }
        if (first == null) {
            throw new IllegalStateException("a TLS listener needs at least one server block with <tls>");
        }
        ServerConfig defaultServer = hosts.defaultServer();
        ServerConfig withCert = aliases.containsKey(defaultServer) ? defaultServer : aliases.keySet().iterator().next();
        defaultAlias = aliases.get(withCert);
        defaultMaterial = withCert.tls().material();
        trustStore = cas > 0 ? trust : null;
        wantClientAuth = want;
        settings = first;
    }

    /** The alias for a client's SNI host name (null when it sent none). */
    public String aliasFor(String sniHost) {
        String alias = aliases.get(hosts.select(sniHost));
        return alias != null ? alias : defaultAlias;
    }

    public String defaultAlias() {
        return defaultAlias;
    }

    /** Certificate for clients without SNI, and the only one HTTP/3 serves (quiche takes one). */
    public KeyMaterial defaultMaterial() {
        return defaultMaterial;
    }

    public KeyStore keyStore() {
        return keyStore;
    }

    /** CAs of every {@code client-ca} on the listener, or null. */
    public KeyStore trustStore() {
        return trustStore;
    }

    public boolean wantClientAuth() {
        return wantClientAuth;
    }

    /** Protocols and ciphers (the same on every {@code <tls>} of the listener; validated). */
    public TlsConfig settings() {
        return settings;
    }

    /** A one-entry key store of the default certificate, for QUIC. */
    public KeyStore defaultKeyStore() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("default", defaultMaterial.key(), PASSWORD,
            defaultMaterial.chain().toArray(new Certificate[0]));
        return store;
    }

    /**
     * True when the key store, trust and TLS settings would be the same as {@code other}'s: then a
     * reload only swaps the name-to-alias mapping and keeps the TLS context (and its sessions).
     */
    public boolean sameMaterial(ListenerCertificates other) {
        if (other == null || !aliases.values().stream().toList().equals(other.aliases.values().stream().toList())
            || !settings.listenerShape().equals(other.settings.listenerShape()) || wantClientAuth != other.wantClientAuth) {
            return false;
        }
        List<ServerConfig> mine = new ArrayList<>(aliases.keySet());
        List<ServerConfig> theirs = new ArrayList<>(other.aliases.keySet());
        for (int i = 0; i < mine.size(); i++) {
            TlsConfig a = mine.get(i).tls();
            TlsConfig b = theirs.get(i).tls();
            if (!a.material().sameAs(b.material()) || !a.clientCas().equals(b.clientCas())) {
                return false;
            }
        }
        return true;
    }

    List<String> aliases() {
        return new ArrayList<>(aliases.values());
    }
}
