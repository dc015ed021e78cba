package org.nproxy.config;

import org.nproxy.spi.Origin;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import org.nproxy.tls.KeyMaterial;

/**
 * A server block's {@code <tls>}: its certificate and how its TLS listeners treat clients.
 * The key material is read and checked when the configuration loads ({@code check}, start,
 * every reload), so a bad file is reported before anything changes.
 *
 * @param material     key + chain from {@code cert}/{@code key} (PEM), {@code pkcs12} or {@code self-signed}
 * @param protocols    {@code protocols}; default {@code TLSv1.3 TLSv1.2}
 * @param ciphers      {@code ciphers}: JSSE cipher suite names, in order; empty = the JDK's defaults
 *                     minus what Jetty excludes as weak
 * @param clientAuth   {@code client-auth}: none (default), optional, require
 * @param clientCas    {@code client-ca}: PEM bundle of CAs that client certificates must chain to
 * @param hsts         {@code hsts}: max-age of {@code Strict-Transport-Security} on TLS responses; null = off (default)
 * @param hstsSubdomains {@code hsts-subdomains}: adds {@code includeSubDomains}; default false
 * @param redirect     {@code redirect}: cleartext requests get a redirect to https (301 for GET/HEAD,
 *                     308 otherwise); default false
 */
public record TlsConfig(KeyMaterial material, List<String> protocols, List<String> ciphers, ClientAuth clientAuth,
                        List<X509Certificate> clientCas, Duration hsts, boolean hstsSubdomains, boolean redirect,
                        Origin origin) {
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    public TlsConfig {
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
        clientCas = List.copyOf(clientCas);
    }

    /** {@code client-auth}. */
    public enum ClientAuth {
        NONE, OPTIONAL, REQUIRE
    }

    /** Settings that a shared TLS listener must have the same on every server block. */
    public String listenerShape() {
        return "protocols=\"" + String.join(" ", protocols) + "\" ciphers=\"" + String.join(" ", ciphers) + "\"";
    }
}
