package org.nproxy.websocket;

import java.net.URI;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.nproxy.testing.NproxyFixture;

/**
 * A started Nproxy for the tests. Closing first waits (up to 5s) until the client connections the
 * test opened are gone: the core's stop gives open connections only 100ms, which a loaded 2-core
 * machine does not always meet for a connection that is already closing.
 */
final class Rig implements AutoCloseable {
    final NproxyFixture nproxy;

    private Rig(NproxyFixture nproxy) {
        this.nproxy = nproxy;
    }

    static Rig start(String config) throws Exception {
        return new Rig(NproxyFixture.start(config));
    }

    int port() {
        return nproxy.port();
    }

    URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + nproxy.port() + path);
    }

    int connections() {
        int n = 0;
        for (Connector c : nproxy.server().jetty().getConnectors()) {
            if (c instanceof ServerConnector sc) {
                n += sc.getConnectedEndPoints().size();
            }
        }
        return n;
    }

    void awaitNoConnections() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (connections() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws Exception {
        awaitNoConnections();
        nproxy.close();
    }
}
