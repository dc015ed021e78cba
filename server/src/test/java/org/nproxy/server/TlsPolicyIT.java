package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.config.ConfigException;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.TestCerts;

/** redirect, HSTS, client certificates, listener rules at check time and on reload. */
class TlsPolicyIT {
    @TempDir
    static Path dir;
    static TestCerts certs;
    static NproxyFixture nproxy;
    /** Trusts any server certificate: these tests look at what the server does, not at its chain. */
    static final TrustManager[] TRUST_ALL = {new X509TrustManager() {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
        }

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
        }
    }};
    /** The TLS listener both server blocks share, beside the cleartext one on 127.0.0.1:0 (chosen at start). */
    static int HTTPS;

    static String config(String extraTls) {
        return """
            <nproxy>
              <access-log off="true"/>
              <server names="site.test" default="true">
                <listen host="127.0.0.1" port="0"/>
                <listen host="127.0.0.1" port="%3$d" tls="true"/>
                <tls cert="%1$s/site.test.crt" key="%1$s/site.test.key" redirect="true" hsts="365d" hsts-subdomains="true"/>
                <location path="/"><return status="200" body="site"/></location>
              </server>
              <server names="private.test">
                <listen host="127.0.0.1" port="%3$d" tls="true"/>
                <tls cert="%1$s/private.test.crt" key="%1$s/private.test.key" client-auth="require"
                     client-ca="%1$s/ca.crt" %2$s/>
                <location path="/"><return status="200" body="private"/></location>
              </server>
            </nproxy>""".formatted(certs.dir(), extraTls, HTTPS);
    }

    @BeforeAll
    static void start() throws Exception {
        certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("site.test", "ec");
        certs.leaf("private.test", "ec");
        certs.leaf("client.test", "ec");
        certs.pkcs12("client.test", "pw");
        nproxy = NproxyFixture.startOnFreePorts(dir.resolve("base"), 1, ports -> {
            HTTPS = ports[0];
            return config("");
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (nproxy != null) {
            nproxy.close();
        }
    }

    @Test
    void cleartextRedirectsToHttps() throws Exception {
        int https = nproxy.server().port("127.0.0.1:" + HTTPS);
        String get = plain("GET /a/b?q=1 HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n");
        assertTrue(get.startsWith("HTTP/1.1 301 "), get);
        assertTrue(get.contains("Location: https://site.test:" + https + "/a/b?q=1\r\n"), get);
        String post = plain("POST /form HTTP/1.1\r\nHost: site.test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        assertTrue(post.startsWith("HTTP/1.1 308 "), post);
    }

    @Test
    void hstsOnTlsResponses() throws Exception {
        String r = tls("site.test", null);
        assertTrue(r.startsWith("HTTP/1.1 200 "), r);
        assertTrue(r.contains("Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"), r);
        assertFalse(plain("GET / HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n")
            .contains("Strict-Transport-Security"), "never on cleartext");
    }

    @Test
    void clientCertificateRequiredOnlyWhereConfigured() throws Exception {
        assertTrue(tls("private.test", null).startsWith("HTTP/1.1 400 "), "no client certificate");
        String withCert = tls("private.test", certs.dir().resolve("client.test.p12"));
        assertTrue(withCert.startsWith("HTTP/1.1 200 ") && withCert.endsWith("private"), withCert);
        assertTrue(tls("site.test", null).startsWith("HTTP/1.1 200 "), "the other server block needs none");
    }

    @Test
    void reloadRefusesToChangeAListenersProtocols() throws Exception {
        String changed = config("").replace("<listen host=\"127.0.0.1\" port=\"" + HTTPS + "\" tls=\"true\"/>",
            "<listen host=\"127.0.0.1\" port=\"" + HTTPS + "\" tls=\"true\" protocols=\"http/1.1\"/>");
        NproxyServer.ReloadResult result = nproxy.reload(changed);
        assertFalse(result.ok());
        assertTrue(result.message().contains("restart"), result.message());
        assertTrue(nproxy.reload(config("")).ok());
        assertTrue(tls("site.test", null).startsWith("HTTP/1.1 200 "));
    }

    @Test
    void reloadOpensAndClosesTlsListeners() throws Exception {
        NproxyFixture.PortReload added = nproxy.reloadOnFreePort(extra -> config("").replace(
            "<listen host=\"127.0.0.1\" port=\"0\"/>", "<listen host=\"127.0.0.1\" port=\"0\"/><listen host=\"127.0.0.1\""
                + " port=\"" + extra + "\" tls=\"true\" protocols=\"h3 h2 http/1.1\"/>"));
        assertTrue(added.result().ok(), added.result().message());
        int port = nproxy.server().port("127.0.0.1:" + added.port());
        assertTrue(port > 0);
        {
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, TRUST_ALL, null);
            try (SSLSocket t = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port)) {
                t.setSoTimeout(10_000);
                t.getOutputStream().write("GET / HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
                String r = new String(t.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(r.startsWith("HTTP/1.1 200 ") && r.contains("Alt-Svc: h3=\":" + port + "\""), r);
            }
        }
        assertTrue(nproxy.reload(config("")).ok());
        assertEquals(-1, nproxy.server().port("127.0.0.1:" + added.port()), "removed on reload");
    }

    @Test
    void listenerRulesAtCheckTime() throws Exception {
        Path base = dir.resolve("check");
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/nproxy.xml"), """
            <nproxy>
              <server names="one.test"><listen host="127.0.0.1" port="9443" tls="true"/>
                <location path="/"><return body="1"/></location></server>
              <server names="two.test"><listen host="127.0.0.1" port="9443" tls="true" protocols="h3 h2 http/1.1"/>
                <location path="/"><return body="2"/></location></server>
              <server names="three.test"><listen host="127.0.0.1" port="9080" protocols="h2 http/1.1"/>
                <location path="/"><return body="3"/></location></server>
            </nproxy>""");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
            () -> NproxyServer.check(base, base.resolve("etc/nproxy.xml"), ModuleRegistry.load(List.of())));
        String m = e.getMessage();
        assertTrue(m.contains("nproxy.xml:4:") && m.contains("is declared with"), m);
        assertTrue(m.contains("nproxy.xml:6:") && m.contains("protocol 'h2' on a cleartext listener"), m);
    }

    private static String plain(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", nproxy.server().port("127.0.0.1:0"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String tls(String sni, Path clientP12) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        KeyManagerFactory kmf = null;
        if (clientP12 != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(clientP12)) {
                ks.load(in, "pw".toCharArray());
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "pw".toCharArray());
        }
        context.init(kmf == null ? null : kmf.getKeyManagers(), TRUST_ALL, null);
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
            nproxy.server().port("127.0.0.1:" + HTTPS))) {
            SSLParameters params = s.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(sni)));
            s.setSSLParameters(params);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
