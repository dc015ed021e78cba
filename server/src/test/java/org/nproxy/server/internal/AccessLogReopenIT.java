package org.nproxy.server.internal;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.config.AccessLogConfig;

/**
 * {@link AccessLog#reopen()} under load, as after logrotate: the file is moved, the log reopened
 * by its path, and every request (each with its own number) is in exactly one of the files.
 */
class AccessLogReopenIT {
    @Test
    void everyLineIsInExactlyOneFileAfterMovesAndReopens(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("logs/access.log");
        AccessLog accessLog = new AccessLog();
        accessLog.configure(new AccessLogConfig(log, "$arg_n"));
        Map<Integer, Integer> served = new ConcurrentHashMap<>();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setRequestLog(accessLog);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                // What the server handled, by number: the JDK client sends a GET again when its
                // pooled connection closes under it, and the log must then hold both.
                served.merge(Integer.parseInt(Request.extractQueryParameters(request).getValue("n")), 1, Integer::sum);
                response.write(true, null, callback);
                return true;
            }
        });
        server.start();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int c = 0; c < 8; c++) {
            clients.add(Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    int n = next.getAndIncrement();
                    URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/?n=" + n);
                    try {
                        if (http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200) {
                            answered.incrementAndGet();
                        }
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        List<Path> files = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                int target = answered.get() + 1000;
                await().atMost(Duration.ofSeconds(60)).until(() -> answered.get() >= target);
                Path moved = dir.resolve("logs/access.log." + i);
                Files.move(log, moved); // logrotate's move; lines buffered meanwhile still reach this file
                files.add(moved);
                accessLog.reopen();
            }
            // Some traffic after the last reopen too, so that the live file has lines of its own.
            int target = answered.get() + 1000;
            await().atMost(Duration.ofSeconds(60)).until(() -> answered.get() >= target);
        } finally {
            running.set(false);
            for (Thread t : clients) {
                t.join();
            }
            http.close();
            server.stop();
            accessLog.close();
        }
        files.add(log);
        Map<Integer, Integer> seen = new HashMap<>();
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                seen.merge(Integer.parseInt(line), 1, Integer::sum);
            }
            assertTrue(Files.size(f) > 0, f + " is empty");
        }
        // Every request handled has exactly one line in exactly one file: none lost, none twice.
        assertEquals(new HashMap<>(served), seen, "lines in all files, by request number");
        assertTrue(seen.size() >= answered.get(), seen.size() + " numbers logged, " + answered.get() + " answered");
    }
}
