package org.nproxy.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process self-signed certificate: what it holds, and that a checking TLS client accepts it. */
class SelfSignedIT {
    @TempDir
    Path dir;

    @Test
    void generatedOnceLoadsAndHoldsTheNames() throws Exception {
        Path p12 = dir.resolve("var/tls/self-signed.p12");
        long started = System.nanoTime();
        SelfSigned.ensure(p12);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("SelfSigned.ensure took " + millis + " ms");
        byte[] first = Files.readAllBytes(p12);
        SelfSigned.ensure(p12);
        assertArrayEquals(first, Files.readAllBytes(p12), "an existing file is kept");

        KeyMaterial m = KeyMaterial.fromPkcs12(p12, SelfSigned.PASSWORD.toCharArray(), null); // also checks the key pair
        X509Certificate cert = m.leaf();
        assertEquals(3, cert.getVersion());
        assertEquals("CN=localhost", cert.getSubjectX500Principal().getName());
        assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
        cert.verify(cert.getPublicKey()); // self-signed, and the signature is right
        assertEquals("SHA256withECDSA", cert.getSigAlgName());
        assertEquals(256, ((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        assertEquals(List.of(List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1")),
            cert.getSubjectAlternativeNames().stream().map(List::copyOf).toList());
        assertEquals(-1, cert.getBasicConstraints(), "not a CA");
        assertTrue(cert.getKeyUsage()[0], "digitalSignature");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), cert.getExtendedKeyUsage());
        Duration validity = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertEquals(SelfSigned.VALIDITY, validity);
        assertTrue(cert.getNotBefore().toInstant().isBefore(Instant.now()));
        assertTrue(cert.getSerialNumber().signum() > 0);
    }

    /** RFC 5280: dates from 2050 on are GeneralizedTime; the JDK must read both back exactly. */
    @Test
    void timesBeyond2049() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        Instant start = Instant.parse("2045-06-01T10:00:00Z");
        X509Certificate cert = SelfSigned.certificate(g.generateKeyPair(), start);
        assertEquals(start.minus(SelfSigned.BACKDATE), cert.getNotBefore().toInstant());
        assertEquals(start.minus(SelfSigned.BACKDATE).plus(SelfSigned.VALIDITY), cert.getNotAfter().toInstant());
    }

    /** A client that trusts only this certificate and checks host names connects by name and by address. */
    @Test
    void tlsClientConnectsWithHostNameChecks() throws Exception {
        Path p12 = dir.resolve("self-signed.p12");
        SelfSigned.ensure(p12);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            keys.load(in, SelfSigned.PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, SelfSigned.PASSWORD.toCharArray());
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("self", keys.getCertificate("nproxy"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);

        try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
            .createServerSocket(0, 2, InetAddress.getByName("127.0.0.1"))) {
            for (String host : List.of("localhost", "127.0.0.1")) {
                CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
                    try (Socket s = server.accept()) {
                        s.setSoTimeout(10_000);
                        int b = s.getInputStream().read();
                        s.getOutputStream().write(b);
                        s.getOutputStream().flush();
                        s.getInputStream().read(); // until the client closes
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                // Connected to 127.0.0.1, verified as `host`: no DNS involved.
                Socket plain = new Socket(InetAddress.getByName("127.0.0.1"), server.getLocalPort());
                try (SSLSocket c = (SSLSocket) clientContext.getSocketFactory()
                    .createSocket(plain, host, server.getLocalPort(), true)) {
                    SSLParameters params = c.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                    c.setSSLParameters(params);
                    c.setSoTimeout(10_000);
                    OutputStream out = c.getOutputStream();
                    out.write('x');
                    out.flush();
                    assertEquals('x', c.getInputStream().read(), host);
                    assertEquals("CN=localhost", ((X509Certificate) c.getSession().getPeerCertificates()[0])
                        .getSubjectX500Principal().getName(), host);
                }
                echo.get(10, TimeUnit.SECONDS);
            }
        }
    }
}
