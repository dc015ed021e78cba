package org.nproxy.server.internal.tls;

import java.security.KeyStore;
import java.security.Principal;
import java.util.Collection;
import java.util.Objects;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;

import org.eclipse.jetty.util.ssl.SniX509ExtendedKeyManager;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.ssl.X509;

/**
 * Jetty's server TLS context for one listener, choosing the certificate by SNI from the server
 * blocks' names ({@link ListenerCertificates#aliasFor}) instead of from the names inside the
 * certificates. Jetty's blanket "400 Invalid SNI" host check is off; the dispatcher answers
 * {@code 421} when {@code Host} names another server block than the SNI did.
 * {@link #update} swaps the certificates in place (reload): new handshakes use them.
 */
public final class SniSslContextFactory extends SslContextFactory.Server {
    private volatile ListenerCertificates certificates;

    public SniSslContextFactory(ListenerCertificates certificates) {
        this.certificates = Objects.requireNonNull(certificates, "certificates");
        setSniRequired(false);
        apply(certificates);
        setSNISelector(this::select);
    }

    private void apply(ListenerCertificates c) {
        setKeyStore(c.keyStore());
        setKeyStorePassword(new String(ListenerCertificates.PASSWORD));
        setKeyManagerPassword(new String(ListenerCertificates.PASSWORD));
        setIncludeProtocols(c.settings().protocols().toArray(String[]::new));
        if (!c.settings().ciphers().isEmpty()) {
            setIncludeCipherSuites(c.settings().ciphers().toArray(String[]::new));
        }
        setTrustStore(c.trustStore());
        setWantClientAuth(c.wantClientAuth());
        setEndpointIdentificationAlgorithm(null);
    }

    public ListenerCertificates certificates() {
        return certificates;
    }

    /** New certificates (and protocols, ciphers, client CAs) for the next handshakes. */
    public void update(ListenerCertificates next) throws Exception {
        if (next.sameMaterial(certificates)) {
            certificates = next; // same keys: keep the TLS context and its session cache
            return;
        }
        reload(scf -> {
            apply(next);
            certificates = next;
        });
    }

    private String select(String keyType, Principal[] issuers, SSLSession session, String sniHost,
                          Collection<X509> candidates) {
        String alias = certificates.aliasFor(sniHost);
        for (X509 x509 : candidates) {
            if (x509.getAlias().equals(alias)) {
                return alias;
            }
        }
        return null; // that certificate has another key type: JSSE asks again with the next one
    }

    /** Always install the SNI key manager: Jetty only does so when certificates carry several names. */
    @Override
    protected KeyManager[] getKeyManagers(KeyStore keyStore) throws Exception {
        KeyManager[] managers = super.getKeyManagers(keyStore);
        for (int i = 0; i < managers.length; i++) {
            if (managers[i] instanceof X509ExtendedKeyManager km && !(km instanceof SniX509ExtendedKeyManager)) {
                managers[i] = newSniX509ExtendedKeyManager(km);
            }
        }
        return managers;
    }
}
