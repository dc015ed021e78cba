package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.transport.HttpClientTransportOverHTTP3;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.quic.client.ClientQuicConfiguration;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.TestCerts;

/**
 * One TLS port (h3 h2 http/1.1) serving two virtual hosts with two certificates, driven by
 * Jetty's HTTP/1.1, HTTP/2 and HTTP/3 clients, curl, and raw TLS sockets.
 */
class TlsServerIT {
    @TempDir
    static Path dir;
    static TestCerts certs;
    static NproxyFixture nproxy;
    /** The cleartext h2c listener's port, beside the TLS one on 127.0.0.1:0 (chosen at start). */
    static int CLEAR;
    /** Leaf subject each client handshake saw, by the host name the client connected to. */
    static final Map<String, String> seen = new ConcurrentHashMap<>();

    static String config(String aCert) {
        return """
            <nproxy>
              <access-log off="true"/>
              <server names="a.test" default="true">
                <listen host="127.0.0.1" port="0" tls="true" protocols="h3 h2 http/1.1"/>
                <listen host="127.0.0.1" port="%3$d" protocols="h2c http/1.1"/>
                <tls cert="%1$s/%2$s.crt" key="%1$s/%2$s.key" hsts="1d"/>
                <location path="/"><return status="200" body="site a $server_protocol"/></location>
              </server>
              <server names="b.test *.b.test">
                <listen host="127.0.0.1" port="0" tls="true" protocols="h3 h2 http/1.1"/>
                <tls cert="%1$s/b.test.crt" key="%1$s/b.test.key"/>
                <location path="/"><return status="200" body="site b $server_protocol"/></location>
              </server>
            </nproxy>""".formatted(certs.dir(), aCert, CLEAR);
    }

    @BeforeAll
    static void start() throws Exception {
        certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("a.test", "rsa");
        certs.leaf("b.test", "ec");
        certs.leaf("a2.test", "rsa");
        nproxy = NproxyFixture.startOnFreePorts(dir.resolve("base"), 1, ports -> {
            CLEAR = ports[0];
            return config("a.test");
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (nproxy != null) {
            nproxy.close();
        }
    }

    static int tlsPort() {
        return nproxy.server().port("127.0.0.1:0");
    }

    /** Client TLS that trusts anything but records which certificate each handshake got. */
    static SslContextFactory.Client recordingTls() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[]{new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
                seen.put(sni(engine), chain[0].getSubjectX500Principal().getName());
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

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
        }}, null);
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setSslContext(context);
        tls.setEndpointIdentificationAlgorithm(null);
        return tls;
    }

    static HttpClient client(String protocol) throws Exception {
        SslContextFactory.Client tls = recordingTls();
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        HttpClientTransport transport = switch (protocol) {
            case "h1" -> new HttpClientTransportOverHTTP(connector);
            case "h2" -> new HttpClientTransportOverHTTP2(new HTTP2Client(connector));
            case "h3" -> {
                SslContextFactory.Client trustAll = new SslContextFactory.Client(true);
                ClientQuicConfiguration quic = new ClientQuicConfiguration(trustAll, Files.createTempDirectory(dir, "quic"));
                yield new HttpClientTransportOverHTTP3(new HTTP3Client(quic, connector));
            }
            default -> throw new IllegalArgumentException(protocol);
        };
        HttpClient client = new HttpClient(transport);
        // a.test and b.test are this machine: connect to 127.0.0.1, keep the name for SNI and Host.
        client.setSocketAddressResolver((host, port, promise) ->
            promise.succeeded(List.of(new InetSocketAddress(loopback(host), port))));
        client.start();
        return client;
    }

    @Test
    void eachProtocolSeesTheRightCertificateAndSite() throws Exception {
        for (String protocol : List.of("h1", "h2")) {
            HttpClient client = client(protocol);
            try {
                for (String host : List.of("a.test", "b.test", "x.b.test")) {
                    seen.clear();
                    ContentResponse r = client.GET("https://" + host + ":" + tlsPort() + "/");
                    assertEquals(200, r.getStatus(), protocol + " " + host);
                    String site = host.endsWith("b.test") ? "b" : "a";
                    String version = protocol.equals("h1") ? "HTTP/1.1" : "HTTP/2.0";
                    assertEquals("site " + site + " " + version, r.getContentAsString().trim(), protocol + " " + host);
                    assertEquals("CN=" + (site.equals("a") ? "a.test" : "b.test"), seen.get(host), protocol + " " + host + " " + seen);
                    if (site.equals("a")) {
                        assertEquals("h3=\":" + tlsPort() + "\"; ma=86400", r.getHeaders().get(HttpHeader.ALT_SVC));
                        assertEquals("max-age=86400", r.getHeaders().get(HttpHeader.STRICT_TRANSPORT_SECURITY));
                    } else {
                        assertNull(r.getHeaders().get(HttpHeader.STRICT_TRANSPORT_SECURITY));
                        assertNull(r.getHeaders().get(HttpHeader.ALT_SVC), "h3 would show b.test a.test's certificate");
                    }
                }
            } finally {
                client.stop();
            }
        }
    }

    /** HTTP/3 serves the default certificate (quiche takes one); the site still follows Host. */
    @Test
    void http3ServesBothSites() throws Exception {
        HttpClient client = client("h3");
        try {
            for (String host : List.of("a.test", "b.test")) {
                ContentResponse r = client.newRequest("https://" + host + ":" + tlsPort() + "/")
                    .timeout(10, TimeUnit.SECONDS).send();
                assertEquals(200, r.getStatus());
                assertEquals(HttpVersion.HTTP_3, r.getVersion());
                String site = host.startsWith("b") ? "b" : "a";
                assertEquals("site " + site + " HTTP/3.0", r.getContentAsString().trim());
                assertNull(r.getHeaders().get(HttpHeader.ALT_SVC), "no Alt-Svc over h3 itself");
                if (site.equals("a")) {
                    assertEquals("max-age=86400", r.getHeaders().get(HttpHeader.STRICT_TRANSPORT_SECURITY), "h3 is secure");
                }
            }
        } finally {
            client.stop();
        }
    }

    @Test
    void sniHostMismatchIs421AndNoSniGetsTheDefaultCertificate() throws Exception {
        String mismatch = rawTls("a.test", "b.test");
        assertTrue(mismatch.startsWith("HTTP/1.1 421 "), mismatch);
        assertTrue(rawTls("b.test", "b.test").startsWith("HTTP/1.1 200 "));
        assertTrue(rawTls("b.test", "www.b.test").startsWith("HTTP/1.1 200 "), "*.b.test is the same server block");
        String noSni = rawTls(null, "b.test");
        assertTrue(noSni.startsWith("HTTP/1.1 200 ") && noSni.contains("site b"), "no SNI: Host decides: " + noSni);
        assertEquals("CN=a.test", seen.get("<no sni>"), "the default server's certificate without SNI");
        assertEquals("CN=a.test", seen.get("unknown.test") == null ? rawSubject("unknown.test") : seen.get("unknown.test"));
    }

    @Test
    void curlHttp2SeesTheRightCertificates() throws Exception {
        for (String host : List.of("a.test", "b.test")) {
            Process p = new ProcessBuilder("curl", "-sv", "-k", "--http2", "--resolve",
                host + ":" + tlsPort() + ":127.0.0.1", "-w", "\\nversion=%{http_version}",
                "https://" + host + ":" + tlsPort() + "/").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertTrue(out.contains("version=2"), out);
            assertTrue(out.contains("subject: CN=" + host), out);
            assertTrue(out.contains("site " + host.charAt(0) + " HTTP/2.0"), out);
        }
        // h2 with SNI a.test asking for b.test's site: 421 too
        Process p = new ProcessBuilder("curl", "-s", "-k", "--http2", "--resolve",
            "a.test:" + tlsPort() + ":127.0.0.1", "-H", "Host: b.test", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
            "https://a.test:" + tlsPort() + "/").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("421 2", out.trim());
    }

    @Test
    void h2cWithPriorKnowledgeAndWithUpgrade() throws Exception {
        int cleartext = nproxy.server().port("127.0.0.1:" + CLEAR);
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        client.start();
        try {
            ContentResponse r = client.GET("http://127.0.0.1:" + cleartext + "/");
            assertEquals(HttpVersion.HTTP_2, r.getVersion());
            assertEquals("site a HTTP/2.0", r.getContentAsString().trim());
        } finally {
            client.stop();
        }
        try (Socket s = new Socket("127.0.0.1", cleartext)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = new String(s.getInputStream().readNBytes(34), StandardCharsets.US_ASCII);
            assertTrue(head.startsWith("HTTP/1.1 101 Switching Protocols"), head);
        }
    }

    @Test
    void reloadSwapsTheCertificateOnTheSamePort() throws Exception {
        int before = tlsPort();
        assertEquals("CN=a.test", rawSubject("a.test"));
        String serial = rawSerial("a.test");
        Files.copy(certs.dir().resolve("a2.test.crt"), certs.dir().resolve("a.test.crt"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(certs.dir().resolve("a2.test.key"), certs.dir().resolve("a.test.key"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try {
            assertTrue(nproxy.reload(config("a.test")).ok());
            assertEquals(before, tlsPort(), "the listener is kept");
            assertEquals("CN=a2.test", rawSubject("a.test"), "new handshakes get the new certificate");
            assertNotEquals(serial, rawSerial("a.test"));
            assertTrue(rawTls("b.test", "b.test").startsWith("HTTP/1.1 200 "));
            // The default certificate changed: QUIC restarted on the same port with it.
            HttpClient h3 = client("h3");
            try {
                ContentResponse r = h3.newRequest("https://a.test:" + tlsPort() + "/").timeout(10, TimeUnit.SECONDS).send();
                assertEquals("site a HTTP/3.0", r.getContentAsString().trim());
            } finally {
                h3.stop();
            }
        } finally {
            certs.leaf("a.test", "rsa");
            assertTrue(nproxy.reload(config("a.test")).ok());
        }
    }

    /** 127.0.0.1 under the given name, so that the TLS client sends it as SNI. */
    static java.net.InetAddress loopback(String host) {
        try {
            return java.net.InetAddress.getByAddress(host, new byte[]{127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The SNI name this client handshake sent, or "<no sni>". */
    static String sni(SSLEngine engine) {
        if (engine.getHandshakeSession() instanceof javax.net.ssl.ExtendedSSLSession session) {
            for (var name : session.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return "<no sni>";
    }

    private static SSLSocket connect(String sni) throws Exception {
        SSLContext context = recordingTls().getSslContext();
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", tlsPort());
        SSLParameters params = socket.getSSLParameters();
        params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        params.setApplicationProtocols(new String[]{"http/1.1"});
        socket.setSSLParameters(params);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
        seen.put(sni == null ? "<no sni>" : sni, leaf.getSubjectX500Principal().getName());
        return socket;
    }

    private static String rawSubject(String sni) throws Exception {
        try (SSLSocket s = connect(sni)) {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    private static String rawSerial(String sni) throws Exception {
        try (SSLSocket s = connect(sni)) {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
        }
    }

    /** One HTTP/1.1 request over TLS with this SNI (null: none) and Host; the whole response. */
    private static String rawTls(String sni, String host) throws Exception {
        try (SSLSocket s = connect(sni)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
