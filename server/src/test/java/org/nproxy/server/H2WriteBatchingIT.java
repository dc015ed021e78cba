package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.RawH2Tls;
import org.nproxy.testing.TestCerts;

/**
 * HTTP/2 over TLS: the answers of non-blocking handlers to the requests of one read leave in one
 * TLS record ({@code BatchingSslConnection}), and nothing is lost, reordered or held back when
 * answers of all sizes, blocking handlers and a client that does not read meet. An answer held
 * back for good would leave the raw client reading forever: the timeout fails the test instead.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class H2WriteBatchingIT {
    @TempDir
    static Path dir;
    static NproxyFixture nproxy;
    static final String SMALL = "0123456789abcdef".repeat(64); // 1 KiB
    static final String MEDIUM = "0123456789ABCDEF".repeat(768); // 12 KiB: one in a batch
    static final String LARGE = "fedcba9876543210".repeat(2560); // 40 KiB: more than one batch

    @BeforeAll
    static void start() throws Exception {
        TestCerts certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("a.test", "ec");
        nproxy = NproxyFixture.start(dir.resolve("base"), """
            <nproxy>
              <access-log off="true"/>
              <server default="true">
                <listen host="127.0.0.1" port="0" tls="true" protocols="h2 http/1.1"/>
                <tls cert="%1$s/a.test.crt" key="%1$s/a.test.key"/>
                <location path="/"><return status="200" body="%2$s"/></location>
                <location path="/medium"><return status="200" body="%4$s"/></location>
                <location path="/large"><return status="200" body="%3$s"/></location>
                <location path="/slow"><return status="200" body="%2$s" delay="1ms"/></location>
              </server>
            </nproxy>""".formatted(certs.dir(), SMALL, LARGE, MEDIUM));
    }

    @AfterAll
    static void stop() throws Exception {
        if (nproxy != null) {
            nproxy.close();
        }
    }

    static int port() {
        return nproxy.server().port("127.0.0.1:0");
    }

    @Test
    void tenRequestsInOneReadAreAnsweredInOneRecord() throws Exception {
        try (RawH2Tls client = new RawH2Tls(port(), 0)) {
            client.write(RawH2Tls.preface());
            client.settle();
            for (int round = 0; round < 3; round++) {
                ByteArrayOutputStream requests = new ByteArrayOutputStream();
                int first = 1 + round * 20;
                for (int i = 0; i < 10; i++) {
                    requests.writeBytes(client.get(first + 2 * i, "/"));
                }
                client.resetRecords();
                client.write(requests.toByteArray()); // one TLS record: one read on the server
                client.readUntilEnded(10 * (round + 1));
                for (int i = 0; i < 10; i++) {
                    assertEquals(SMALL, client.bodies.get(first + 2 * i).toString(), "stream " + (first + 2 * i));
                }
                // Unbatched, each answer is a record of its own (10); batched, all of them fit in one.
                assertTrue(client.records() <= 2, "round " + round + ": 10 answers came in " + client.records()
                    + " TLS records");
            }
        }
    }

    @Test
    void aClientThatDoesNotReadGetsEveryAnswerWhenItDoes() throws Exception {
        // A small receive buffer, and 120 requests sent one per TLS record before the client reads
        // any answer: each read of the server yields a batch smaller than a record, released when
        // the read ends, until the socket is full and the batches must finish later, in order.
        try (RawH2Tls client = new RawH2Tls(port(), 4096)) {
            client.write(RawH2Tls.preface());
            client.settle();
            int streams = 120;
            for (int i = 0; i < streams; i++) {
                client.write(client.get(1 + 2 * i, i % 3 == 2 ? "/" : "/medium"));
            }
            client.readUntilEnded(streams);
            assertEquals(0, client.resets());
            for (int i = 0; i < streams; i++) {
                int id = 1 + 2 * i;
                assertEquals(i % 3 == 2 ? SMALL : MEDIUM, client.bodies.get(id).toString(), "stream " + id);
            }
        }
    }

    @Test
    void concurrentStreamsOfAllSizesAndBlockingHandlersArriveWhole() throws Exception {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(new SslContextFactory.Client(true));
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)));
        client.setMaxConnectionsPerDestination(2);
        client.start();
        try {
            String[] paths = {"/", "/large", "/slow"};
            String[] bodies = {SMALL, LARGE, SMALL};
            List<CompletableFuture<ContentResponse>> answers = new ArrayList<>();
            List<Integer> kinds = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                int kind = i % 7 == 0 ? 1 : i % 5 == 0 ? 2 : 0;
                Request request = client.newRequest("https://127.0.0.1:" + port() + paths[kind]).timeout(20, TimeUnit.SECONDS);
                answers.add(new CompletableResponseListener(request, 1 << 20).send());
                kinds.add(kind);
            }
            for (int i = 0; i < answers.size(); i++) {
                ContentResponse r = answers.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(200, r.getStatus());
                assertEquals(HttpVersion.HTTP_2, r.getVersion());
                assertEquals(bodies[kinds.get(i)], r.getContentAsString(), "request " + i + " " + paths[kinds.get(i)]);
            }
        } finally {
            client.stop();
        }
    }
}
