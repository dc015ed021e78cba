package org.nproxy.cache.redis;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.nproxy.testing.NproxyFixture;

/**
 * N independent Nproxy servers in this JVM (each its own base directory, zone store, Redis
 * connection and listener) in front of one origin, sharing one cache zone's tier, plus a client.
 * Requests carry {@code Host: site.test} as a balancer would pass it, so that the instances
 * compute the same cache keys.
 */
final class Instances implements AutoCloseable {
    static final String HOST = "site.test";

    final List<NproxyFixture> nodes = new ArrayList<>();
    final List<SimpleMeterRegistry> meters = new ArrayList<>();
    final HttpClient client;

    private Instances(HttpClient client) {
        this.client = client;
    }

    static String config(int originPort, String shared, String zoneAttrs) {
        return """
            <nproxy>
              <cache-zone name="pages" heap="8m" max-object="8m" shared="%s" %s/>
              <upstream name="app"><peer address="127.0.0.1:%d"/></upstream>
              <server>
                <listen host="127.0.0.1" port="0"/>
                <location path="/"><cache zone="pages" purge-from="127.0.0.1/32 ::1/128"/><proxy upstream="app"/></location>
              </server>
            </nproxy>
            """.formatted(shared, zoneAttrs, originPort);
    }

    static Instances start(int n, String config) throws Exception {
        HttpClient client = new HttpClient();
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        threads.setName("test-client");
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(64);
        client.start();
        Instances all = new Instances(client);
        try {
            for (int i = 0; i < n; i++) {
                NproxyFixture f = NproxyFixture.start(Files.createTempDirectory("nproxy-shared-" + i), config);
                all.nodes.add(f);
                SimpleMeterRegistry exporter = new SimpleMeterRegistry();
                ((CompositeMeterRegistry) f.server().meters()).add(exporter);
                all.meters.add(exporter);
            }
        } catch (Exception | Error e) {
            all.close();
            throw e;
        }
        return all;
    }

    /** Waits until every node's shared tier is connected (gauge nproxy.cache.shared.up = 1). */
    Instances awaitUp() {
        org.awaitility.Awaitility.await("every instance connected to its shared tier").atMost(java.time.Duration.ofSeconds(20))
            .pollInterval(java.time.Duration.ofMillis(20)).until(() -> {
                for (SimpleMeterRegistry m : meters) {
                    io.micrometer.core.instrument.Gauge g = m.find("nproxy.cache.shared.up").gauge();
                    if (g == null || g.value() != 1) {
                        return false;
                    }
                }
                return true;
            });
        return this;
    }

    /** A counter of one node ({@code nproxy.cache.shared.*}), 0 when not registered. */
    double counter(int node, String name, String... tags) {
        Counter c = meters.get(node).find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    /** The sum of a counter over all nodes. */
    double counter(String name, String... tags) {
        double sum = 0;
        for (int i = 0; i < nodes.size(); i++) {
            sum += counter(i, name, tags);
        }
        return sum;
    }

    Request request(int node, String method, String path) {
        NproxyFixture f = nodes.get(node % nodes.size());
        return client.newRequest(f.uri(path)).method(method).headers(h -> h.put(HttpHeader.HOST, HOST))
            .timeout(20, TimeUnit.SECONDS);
    }

    ContentResponse get(int node, String path) throws Exception {
        return request(node, "GET", path).send();
    }

    ContentResponse send(int node, String method, String path) throws Exception {
        return request(node, method, path).send();
    }

    @Override
    public void close() throws Exception {
        try {
            client.stop();
        } finally {
            Exception first = null;
            for (NproxyFixture f : nodes) {
                try {
                    f.close();
                } catch (Exception e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }
}
