package org.nproxy.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.TestCerts;

/** TLS meters: handshakes by result, and the certificate's expiry, per listener. */
class TlsMetersIT {
    @TempDir
    Path dir;

    @Test
    void handshakesAndCertificateExpiry() throws Exception {
        TestCerts certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("a.test", "rsa");
        int clear = NproxyFixture.freePort();
        try (NproxyFixture nproxy = NproxyFixture.start(dir.resolve("base"), """
                <nproxy>
                  <server names="a.test" default="true">
                    <listen host="127.0.0.1" port="0" tls="true" protocols="http/1.1"/>
                    <listen host="127.0.0.1" port="%2$d"/>
                    <tls cert="%1$s/a.test.crt" key="%1$s/a.test.key"/>
                    <location path="= /metrics"><metrics/></location>
                    <location path="/"><return body="hi"/></location>
                  </server>
                </nproxy>""".formatted(certs.dir(), clear))) {
            int tls = nproxy.server().port("127.0.0.1:0");
            for (int i = 0; i < 2; i++) {
                try (SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", tls)) {
                    s.startHandshake();
                }
            }
            try (Socket s = new Socket("127.0.0.1", tls)) {
                OutputStream out = s.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                s.setSoTimeout(5000);
                s.getInputStream().read(); // plain HTTP on the TLS port: the handshake fails
            } catch (java.io.IOException expected) {
                // reset or closed
            }
            String[] listener = {"listener", "127.0.0.1:0"};
            await("the failed handshake is counted").atMost(Duration.ofSeconds(5)).until(() -> Scrape.value(
                Http.body(MetricsScrapeIT.scrape(clear, null)), "nproxy_tls_handshakes_total",
                MetricsScrapeIT.cat(listener, "result", "failed")) == 1.0);
            String s = Http.body(MetricsScrapeIT.scrape(clear, null));
            assertEquals(2.0, Scrape.value(s, "nproxy_tls_handshakes_total", MetricsScrapeIT.cat(listener, "result", "ok")), s);
            assertEquals(1.0, Scrape.value(s, "nproxy_tls_handshakes_total", MetricsScrapeIT.cat(listener, "result", "failed")));
            double expiry = Scrape.value(s, "nproxy_tls_certificate_expiry_timestamp_seconds",
                MetricsScrapeIT.cat(listener, "server", "a.test"));
            double days = (expiry - System.currentTimeMillis() / 1000.0) / 86400;
            assertTrue(days > 363 && days < 366, "the test leaf is valid for 365 days: " + days);
            assertEquals(0.0, Scrape.value(s, "nproxy_connections", MetricsScrapeIT.cat(listener, "protocol", "http/1.1")));
        }
    }

    static SSLContext trustAll() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
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
        return ctx;
    }
}
