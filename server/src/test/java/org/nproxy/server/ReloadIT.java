package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/** Reload: bad configs leave the old one serving; good ones swap without dropping requests. */
class ReloadIT {
    private static String config(String body, int port) {
        return """
            <nproxy drain-timeout="20s">
              <server><listen host="127.0.0.1" port="%d"/>
                <location path="/"><return body="%s"/></location>
              </server>
            </nproxy>""".formatted(port, body);
    }

    @Test
    void badConfigKeepsTheOldOneServing() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("one", 0))) {
            int port = nproxy.port();
            String bad = config("two", 0).replace("<listen ", "<listen bogus=\"1\" ");
            NproxyServer.ReloadResult result = nproxy.reload(bad);
            assertFalse(result.ok());
            assertTrue(result.message().contains("unknown attribute 'bogus' on <listen>"), result.message());
            assertTrue(result.message().contains("nproxy.xml:"), result.message());
            assertEquals("one", Http.body(Http.get(port, "/", "x")));
            assertEquals(1, nproxy.server().generation().id());

            NproxyServer.ReloadResult ok = nproxy.reload(config("two", 0));
            assertTrue(ok.ok(), ok.message());
            assertEquals("two", Http.body(Http.get(port, "/", "x")));
            assertEquals(2, nproxy.server().generation().id(), "a refused config uses no generation number");
        }
    }

    @Test
    void aListenerThatCannotBindFailsTheReloadAndKeepsServing() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
             NproxyFixture nproxy = NproxyFixture.start(config("one", 0))) {
            String twoListeners = config("two", 0).replace("<listen host=\"127.0.0.1\" port=\"0\"/>",
                "<listen host=\"127.0.0.1\" port=\"0\"/><listen host=\"127.0.0.1\" port=\"" + taken.getLocalPort() + "\"/>");
            NproxyServer.ReloadResult result = nproxy.reload(twoListeners);
            assertFalse(result.ok());
            assertTrue(result.message().contains("cannot open listener"), result.message());
            assertEquals("one", Http.body(Http.get(nproxy.port(), "/", "x")));
        }
    }

    @Test
    void inFlightRequestsFinishOnTheOldGenerationAndListenersChange() throws Exception {
        String slowOld = """
            <nproxy drain-timeout="20s">
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/slow"><return body="old-slow" delay="1500ms"/></location>
                <location path="/"><return body="old"/></location>
              </server>
            </nproxy>""";
        try (NproxyFixture nproxy = NproxyFixture.start(slowOld)) {
            int port = nproxy.port();
            CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.get(port, "/slow", "x");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            awaitInFlight(nproxy.server(), 1); // the slow request is inside generation 1
            NproxyFixture.PortReload both = nproxy.reloadOnFreePort(extra -> config("new", 0).replace(
                "<listen host=\"127.0.0.1\" port=\"0\"/>",
                "<listen host=\"127.0.0.1\" port=\"0\"/><listen host=\"127.0.0.1\" port=\"" + extra + "\"/>"));
            assertTrue(both.result().ok(), both.result().message());
            int added = both.port();
            assertEquals("new", Http.body(Http.get(port, "/", "x")));
            assertEquals("new", Http.body(Http.get(port, "/slow", "x")), "new requests see the new config");
            assertEquals("new", Http.body(Http.get(added, "/", "x")), "the added listener serves");
            String old = slow.get(10, TimeUnit.SECONDS);
            assertEquals(200, Http.status(old));
            assertEquals("old-slow", Http.body(old), "the in-flight request finished on the old generation");

            assertTrue(nproxy.reload(config("newer", 0)).ok());
            assertEquals("newer", Http.body(Http.get(port, "/", "x")));
            Awaitility.await("removed listener " + added + " stops accepting").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    try (Socket s = new Socket("127.0.0.1", added)) {
                        return false;
                    } catch (java.io.IOException e) {
                        return true;
                    }
                });
        }
    }

    @Test
    void stopDrainsInFlightRequests() throws Exception {
        NproxyFixture nproxy = NproxyFixture.start("""
            <nproxy shutdown-timeout="10s">
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/"><return body="done" delay="1s"/></location>
              </server>
            </nproxy>""");
        int port = nproxy.port();
        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return Http.get(port, "/", "x");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        awaitInFlight(nproxy.server(), 1);
        NproxyServer.StopReport report = nproxy.server().stop();
        assertEquals(1, report.inFlight());
        assertEquals(1, report.drained());
        assertEquals(0, report.cut());
        String response = slow.get(5, TimeUnit.SECONDS);
        assertEquals(200, Http.status(response));
        assertEquals("done", Http.body(response));
    }

    /** Waits until the current generation has {@code n} requests in flight (they have reached the handler). */
    private static void awaitInFlight(NproxyServer server, int n) {
        Awaitility.await(n + " request(s) in flight").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
            .until(() -> server.generation().inFlight() == n);
    }
}
