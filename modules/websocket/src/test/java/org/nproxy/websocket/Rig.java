package org.nproxy.websocket;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;

import org.awaitility.core.ConditionTimeoutException;
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

    /** Gives open tunnels up to 5 s to finish their close handshakes (closing the server cuts the rest). */
    void awaitNoConnections() {
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> connections() == 0);
        } catch (ConditionTimeoutException e) {
            // close() cuts what is left; the test's own assertions decide
        }
    }

    @Override
    public void close() throws Exception {
        awaitNoConnections();
        nproxy.close();
    }
}
