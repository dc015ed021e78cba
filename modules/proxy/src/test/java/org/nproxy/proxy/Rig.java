package org.nproxy.proxy;

import java.net.URI;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.nproxy.testing.NproxyFixture;

/**
 * A started Nproxy plus a client of its own. Closing stops the client first: the core's stop
 * currently times out while a client keeps an idle keep-alive connection open.
 */
final class Rig implements AutoCloseable {
    final NproxyFixture nproxy;
    final HttpClient client;

    private Rig(NproxyFixture nproxy, HttpClient client) {
        this.nproxy = nproxy;
        this.client = client;
    }

    static Rig start(String config) throws Exception {
        NproxyFixture nproxy = NproxyFixture.start(config);
        return new Rig(nproxy, Proxies.client());
    }

    URI uri(String pathQuery) {
        return nproxy.uri(pathQuery);
    }

    int port() {
        return nproxy.port();
    }

    ContentResponse get(String pathQuery) throws Exception {
        return client.GET(uri(pathQuery));
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
