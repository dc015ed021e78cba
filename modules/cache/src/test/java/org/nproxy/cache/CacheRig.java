package org.nproxy.cache;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.nproxy.testing.NproxyFixture;

/** An Nproxy with a cache zone in front of one origin, plus a client. Closing stops the client first. */
final class CacheRig implements AutoCloseable {
    final NproxyFixture nproxy;
    final HttpClient client;

    private CacheRig(NproxyFixture nproxy, HttpClient client) {
        this.nproxy = nproxy;
        this.client = client;
    }

    /** The zone "pages" (heap 4m, off-heap 8m, disk 32m, max-object 1m) and a location "/" cache > proxy. */
    static String config(int originPort, String cacheAttrs) {
        return config(originPort, cacheAttrs, 0);
    }

    /** The same on a fixed listen port (the port is part of the cache key, through Host). */
    static String config(int originPort, String cacheAttrs, int listenPort) {
        return """
            <nproxy>
              <cache-zone name="pages" heap="4m" off-heap="8m" disk="32m" dir="var/cache/pages" max-object="1m"/>
              <upstream name="app"><peer address="127.0.0.1:%d"/></upstream>
              <server>
                <listen host="127.0.0.1" port="%d"/>
                <location path="/"><cache zone="pages" %s/><proxy upstream="app"/></location>
              </server>
            </nproxy>
            """.formatted(originPort, listenPort, cacheAttrs);
    }

    /**
     * A port free on 127.0.0.1 now, for a test that restarts on the same port (the port is part
     * of the cache key). Another process may take it meanwhile; that test then fails to start.
     */
    static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static CacheRig start(CountingOrigin origin) throws Exception {
        return start(Files.createTempDirectory("nproxy-cache-test"), config(origin.port(), "purge-from=\"127.0.0.1/32 ::1/128\""));
    }

    static CacheRig start(Path base, String config) throws Exception {
        NproxyFixture nproxy = NproxyFixture.start(base, config);
        HttpClient client = new HttpClient();
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        threads.setName("test-client");
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(128);
        client.start();
        return new CacheRig(nproxy, client);
    }

    URI uri(String pathQuery) {
        return nproxy.uri(pathQuery);
    }

    ContentResponse get(String pathQuery, String... headers) throws Exception {
        var request = client.newRequest(uri(pathQuery)).timeout(20, java.util.concurrent.TimeUnit.SECONDS);
        for (int i = 0; i < headers.length; i += 2) {
            String name = headers[i];
            String value = headers[i + 1];
            request.headers(h -> h.put(name, value));
        }
        return request.send();
    }

    ContentResponse send(String method, String pathQuery) throws Exception {
        return client.newRequest(uri(pathQuery)).method(method).timeout(20, java.util.concurrent.TimeUnit.SECONDS).send();
    }

    @Override
    public void close() throws Exception {
        try {
            client.stop();
        } finally {
            nproxy.close();
        }
    }
}
