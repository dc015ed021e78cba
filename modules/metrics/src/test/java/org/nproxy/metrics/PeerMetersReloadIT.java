package org.nproxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * A reload that removes a peer from a group and a location from a server: after the old
 * generation's drain, no series of the removed peer or location is scraped any more, and the
 * kept peer's counts go on from where they were.
 */
class PeerMetersReloadIT {
    private static String config(TestOrigin a, TestOrigin b, boolean withB) {
        return """
            <nproxy drain-timeout="2s">
              <upstream name="app">
                <peer address="%s"/>
                %s
              </upstream>
              <server names="shop.test"><listen host="127.0.0.1" port="0"/>
                <location path="/app/"><proxy upstream="app"/></location>
                %s
                <location path="= /metrics"><metrics/></location>
              </server>
            </nproxy>""".formatted(a.address(), withB ? "<peer address=\"" + b.address() + "\"/>" : "",
            withB ? "<location path=\"/old/\"><proxy upstream=\"app\"/></location>" : "");
    }

    @Test
    void removedPeerAndLocationSeriesGoAfterTheDrain() throws Exception {
        try (TestOrigin a = new TestOrigin(); TestOrigin b = new TestOrigin();
             NproxyFixture nproxy = NproxyFixture.start(config(a, b, true))) {
            int port = nproxy.port();
            for (int i = 0; i < 4; i++) {
                assertEquals(200, Http.status(Http.get(port, "/app/x", "shop.test")));
            }
            assertEquals(200, Http.status(Http.get(port, "/old/x", "shop.test")));
            String[] peerA = {"upstream", "app", "peer", a.address()};
            String[] peerB = {"upstream", "app", "peer", b.address()};
            String s = awaitScrape(port, text -> Scrape.value(text, "nproxy_upstream_requests_total",
                MetricsScrapeIT.cat(peerA, "code", "200")) + Scrape.value(text, "nproxy_upstream_requests_total",
                MetricsScrapeIT.cat(peerB, "code", "200")) == 5.0);
            double beforeA = Scrape.value(s, "nproxy_upstream_requests_total", MetricsScrapeIT.cat(peerA, "code", "200"));
            assertTrue(beforeA >= 1 && s.contains("peer=\"" + b.address() + "\""), "both peers served (round robin): " + s);
            assertEquals(1.0, Scrape.value(s, "nproxy_upstream_peer_up", peerB));
            assertTrue(s.contains("location=\"/old/\""));

            assertTrue(nproxy.reload(config(a, b, false)).ok());
            assertEquals(200, Http.status(Http.get(port, "/app/y", "shop.test")));
            s = awaitScrape(port, text -> !text.contains(b.address()) && !text.contains("location=\"/old/\""));
            assertFalse(s.contains(b.address()), "no series of the removed peer after the drain:\n" + s);
            assertFalse(s.contains("location=\"/old/\""), "no series of the removed location after the drain");
            assertEquals(beforeA + 1, Scrape.value(s, "nproxy_upstream_requests_total", MetricsScrapeIT.cat(peerA, "code", "200")),
                "the kept peer's count goes on");
            assertEquals(1.0, Scrape.value(s, "nproxy_upstream_peer_up", peerA));
            Scrape.check(s);
        }
    }

    private static String awaitScrape(int port, java.util.function.Predicate<String> done) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        String s = Http.body(MetricsScrapeIT.scrape(port, null));
        while (!done.test(s) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            s = Http.body(MetricsScrapeIT.scrape(port, null));
        }
        return s;
    }
}
