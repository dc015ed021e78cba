package org.nproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.transport.HttpClientTransportOverHTTP3;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.quic.client.ClientQuicConfiguration;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.TestCerts;

/**
 * Per protocol: HTTP/3 connections in {@code nproxy_connections{protocol="h3"}} (and h2 beside
 * them), and the access log's {@code $ssl_protocol $ssl_cipher $http2 $http3 $server_protocol} for
 * HTTP/1.1 in clear and over TLS, h2 over TLS, h2c and h3.
 */
class ProtocolsIT {
    @TempDir
    Path dir;

    @Test
    void connectionsPerProtocolAndTlsVariables() throws Exception {
        TestCerts certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("a.test", "rsa");
        int clear = NproxyFixture.freePort();
        try (NproxyFixture nproxy = NproxyFixture.start(dir.resolve("base"), """
                <nproxy>
                  <access-log path="logs/p.log" format="$request_uri|$server_protocol|$http2|$http3|$ssl_protocol|$ssl_cipher"/>
                  <server names="a.test" default="true">
                    <listen host="127.0.0.1" port="0" tls="true" protocols="h3 h2 http/1.1"/>
                    <listen host="127.0.0.1" port="%2$d" protocols="h2c http/1.1"/>
                    <tls cert="%1$s/a.test.crt" key="%1$s/a.test.key"/>
                    <location path="= /metrics"><metrics/></location>
                    <location path="/"><return body="hi"/></location>
                  </server>
                </nproxy>""".formatted(certs.dir(), clear))) {
            int tls = nproxy.server().port("127.0.0.1:0");
            HttpClient h3 = client("h3");
            HttpClient h2 = client("h2");
            HttpClient h1 = client("h1");
            try {
                assertEquals(200, get(h3, "https://127.0.0.1:" + tls + "/h3").getStatus());
                assertEquals(200, get(h2, "https://127.0.0.1:" + tls + "/h2").getStatus());
                assertEquals(200, get(h1, "https://127.0.0.1:" + tls + "/h1tls").getStatus());
                assertEquals(200, get(h2, "http://127.0.0.1:" + clear + "/h2c").getStatus());
                assertEquals(200, Http.status(Http.get(clear, "/h1", "a.test")));

                // The h3 and h2 clients keep their connections open: the scrape sees them.
                String s = Http.body(MetricsScrapeIT.scrape(clear, null));
                String[] listener = {"listener", "127.0.0.1:0"};
                assertEquals(1.0, Scrape.value(s, "nproxy_connections", MetricsScrapeIT.cat(listener, "protocol", "h3")), s);
                assertEquals(1.0, Scrape.value(s, "nproxy_connections", MetricsScrapeIT.cat(listener, "protocol", "h2")), s);
            } finally {
                h3.stop();
                h2.stop();
                h1.stop();
            }
            Path log = nproxy.base().resolve("logs/p.log");
            // An empty value is logged as '-'; QUIC is TLS 1.3 only.
            assertTrue(line(log, "/h3").matches("HTTP/3\\.0\\|-\\|h3\\|TLSv1\\.3\\|(-|TLS_[A-Z0-9_]+)"), line(log, "/h3"));
            assertTrue(line(log, "/h2").matches("HTTP/2\\.0\\|h2\\|-\\|TLSv1\\.[23]\\|TLS_[A-Z0-9_]+"), line(log, "/h2"));
            assertTrue(line(log, "/h1tls").matches("HTTP/1\\.1\\|-\\|-\\|TLSv1\\.[23]\\|TLS_[A-Z0-9_]+"), line(log, "/h1tls"));
            assertEquals("HTTP/2.0|h2c|-|-|-", line(log, "/h2c"));
            assertEquals("HTTP/1.1|-|-|-|-", line(log, "/h1"));
        }
    }

    private static ContentResponse get(HttpClient client, String url) throws Exception {
        return client.newRequest(url).timeout(30, TimeUnit.SECONDS).send(); // the first QUIC handshake is slow on a loaded machine
    }

    /** The log line of a URI without the URI, once written. */
    private static String line(Path log, String uri) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            for (String l : lines) {
                if (l.startsWith(uri + "|")) {
                    return l.substring(uri.length() + 1);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no line for " + uri + " in " + lines);
            }
            Thread.sleep(20);
        }
    }

    private HttpClient client(String protocol) throws Exception {
        SslContextFactory.Client trustAll = new SslContextFactory.Client(true);
        trustAll.setEndpointIdentificationAlgorithm(null);
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(trustAll);
        HttpClientTransport transport = switch (protocol) {
            case "h1" -> new HttpClientTransportOverHTTP(connector);
            case "h2" -> new HttpClientTransportOverHTTP2(new HTTP2Client(connector));
            case "h3" -> new HttpClientTransportOverHTTP3(new HTTP3Client(
                new ClientQuicConfiguration(trustAll, Files.createTempDirectory(dir, "quic")), connector));
            default -> throw new IllegalArgumentException(protocol);
        };
        HttpClient client = new HttpClient(transport);
        client.start();
        return client;
    }
}
