package org.nproxy.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.NproxyFixture;

/**
 * No access log line is lost under load: across reloads (each reopens the log) and across stop
 * (the buffered lines are written before the file closes). Counts lines against the answers
 * the clients got; nothing here is timed.
 */
class AccessLogLoadIT {
    private static final int CLIENTS = 8;

    private static String config(int generation) {
        return """
            <nproxy shutdown-timeout="10s">
              <access-log path="logs/access.log"/>
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/"><return body="gen %d"/></location>
              </server>
            </nproxy>""".formatted(generation);
    }

    /** Clients sending GETs on keep-alive connections until told to stop; counts 200 answers. */
    private static final class Load implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong answered = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

        Load(int port) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
                .timeout(Duration.ofSeconds(10)).build();
            for (int i = 0; i < CLIENTS; i++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                            (r.statusCode() == 200 ? answered : failed).incrementAndGet();
                        } catch (IOException e) {
                            failed.incrementAndGet();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
        }

        void awaitAnswers(long n) {
            long target = answered.get() + n;
            await(n + " more answers").atMost(Duration.ofSeconds(60)).until(() -> answered.get() >= target);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
            client.close();
        }
    }

    /** The lines, each checked whole; those with status 200 (a stopping server answers 503). */
    private static List<String> answeredLines(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        for (String line : lines) {
            assertTrue(line.matches("127\\.0\\.0\\.1 - - \\[[^]]+] \"GET /x HTTP/1\\.1\" \\d{3} \\d+ \"-\" \"Java-http-client/.*\""),
                line);
        }
        return lines.stream().filter(l -> l.contains("\" 200 ")).toList();
    }

    @Test
    void everyAnsweredRequestIsLoggedAcrossReloads() throws Exception {
        NproxyFixture nproxy = NproxyFixture.start(config(0));
        Load load = new Load(nproxy.port());
        try {
            for (int g = 1; g <= 5; g++) {
                load.awaitAnswers(500);
                assertTrue(nproxy.reload(config(g)).ok(), "reload " + g);
            }
            load.awaitAnswers(500);
        } finally {
            load.close(); // every request is answered before the server stops: exact counts
            nproxy.close();
        }
        assertEquals(0, load.failed.get(), "failed requests");
        assertEquals(load.answered.get(), answeredLines(nproxy.base().resolve("logs/access.log")).size());
    }

    @Test
    void everyAnsweredRequestIsLoggedWhenStoppingUnderLoad() throws Exception {
        NproxyFixture nproxy = NproxyFixture.start(config(0));
        Load load = new Load(nproxy.port());
        try {
            load.awaitAnswers(3000);
            nproxy.close(); // while the clients are still sending
        } finally {
            load.close();
        }
        // A request may be logged whose answer the client did not get (the stop cut it): more lines, never fewer.
        int logged = answeredLines(nproxy.base().resolve("logs/access.log")).size();
        assertTrue(logged >= load.answered.get(), logged + " lines for " + load.answered.get() + " answers");
    }
}
