package org.nproxy.server.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.testing.TestCerts;
import org.nproxy.tls.Pem;

/** The per-session client-certificate verdicts, on a real TLS session from a handshake on 127.0.0.1. */
class ClientTrustIT {
    @TempDir
    static Path dir;
    static X509Certificate caA;
    static X509Certificate caB;
    /** client.test's chain: its leaf is issued by CA A. */
    static X509Certificate[] clientChain;
    static SSLContext serverContext;

    @BeforeAll
    static void certificates() throws Exception {
        TestCerts a = new TestCerts(dir.resolve("a"));
        a.leaf("server.test", "ec");
        a.pkcs12("server.test", "pw");
        a.leaf("client.test", "ec");
        TestCerts b = new TestCerts(dir.resolve("b"));
        caA = Pem.certificates(a.dir().resolve("ca.crt")).get(0);
        caB = Pem.certificates(b.dir().resolve("ca.crt")).get(0);
        clientChain = Pem.certificates(a.dir().resolve("client.test.crt")).toArray(new X509Certificate[0]);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(a.dir().resolve("server.test.p12"))) {
            ks.load(in, "pw".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "pw".toCharArray());
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
    }

    @Test
    void eachCaSetGetsItsOwnVerdictInOneSession() throws Exception {
        SSLSession session = handshake();
        assertTrue(ClientTrust.trusted(session, clientChain, List.of(caA)));
        assertFalse(ClientTrust.trusted(session, clientChain, List.of(caB)));
        assertTrue(ClientTrust.trusted(session, clientChain, List.of(caB, caA)));
        assertFalse(ClientTrust.trusted(session, null, List.of(caA)), "no certificate sent");
    }

    /**
     * The review finding: verdicts were keyed by {@code System.identityHashCode} of the CA list,
     * so a CA set sharing that number with a trusting one inherited its "trusted". Find such a pair
     * (birthday search over identity hashes) and check that the second set is judged by itself.
     */
    @Test
    void caSetsWithTheSameIdentityHashDoNotShareAVerdict() throws Exception {
        Map<Integer, List<X509Certificate>> trusting = new HashMap<>();
        for (int i = 0; i < 150_000; i++) {
            List<X509Certificate> cas = List.of(caA);
            trusting.put(System.identityHashCode(cas), cas);
        }
        List<X509Certificate> trustingCas = null;
        List<X509Certificate> otherCas = null;
        for (int i = 0; i < 20_000_000 && otherCas == null; i++) {
            List<X509Certificate> cas = List.of(caB);
            trustingCas = trusting.get(System.identityHashCode(cas));
            if (trustingCas != null) {
                otherCas = cas;
            }
        }
        assertNotNull(otherCas, "no identity hash collision found (31-bit hashes, 150k x 20M tries)");
        assertNotSame(trustingCas, otherCas);
        assertEquals(System.identityHashCode(trustingCas), System.identityHashCode(otherCas));

        SSLSession session = handshake();
        assertTrue(ClientTrust.trusted(session, clientChain, trustingCas));
        assertFalse(ClientTrust.trusted(session, clientChain, otherCas),
            "a client trusted for CA A must not be trusted for CA B because the two lists share a hash code");
        assertTrue(ClientTrust.trusted(session, clientChain, trustingCas), "remembered verdict still right");
    }

    /** A real server-side TLS session: one handshake over 127.0.0.1. */
    private static SSLSession handshake() throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
            .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<SSLSocket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    SSLSocket s = (SSLSocket) server.accept();
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    return s;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, new TrustManager[] {new TrustAll()}, null);
            try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket(server.getInetAddress(),
                server.getLocalPort())) {
                c.setSoTimeout(10_000);
                c.startHandshake();
                SSLSocket s = accepted.get(10, TimeUnit.SECONDS);
                // A TLS 1.3 close waits for the peer's close_notify: close both ends at once.
                Thread.ofVirtual().start(() -> {
                    try {
                        s.close();
                    } catch (java.io.IOException ignored) {
                        // the session is all this test wants
                    }
                });
                return s.getSession();
            }
        }
    }

    /** The server's certificate is not what these tests look at. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
