package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every balancer against three (or four) real origins, 10,000 requests each unless said
 * otherwise. The bounds are stated in each assertion message.
 */
class BalancerIT {
    static Origin a;
    static Origin b;
    static Origin c;

    @BeforeAll
    static void start() throws Exception {
        a = new Origin("a");
        b = new Origin("b");
        c = new Origin("c");
    }

    @AfterEach
    void reset() {
        a.delayMs = 0;
        b.delayMs = 0;
        c.delayMs = 0;
    }

    @AfterAll
    static void stop() throws Exception {
        a.close();
        b.close();
        c.close();
    }

    private static String weighted(String balance, int wa, int wb, int wc, String extra) {
        return """
            <nproxy>
              <upstream name="origin" balance="%s" %s>
                <peer address="%s" weight="%d"/>
                <peer address="%s" weight="%d"/>
                <peer address="%s" weight="%d"/>
              </upstream>
              <server>
                <listen host="127.0.0.1" port="0"/>
                <location path="/"><proxy upstream="origin"/></location>
              </server>
            </nproxy>
            """.formatted(balance, extra, a.address(), wa, b.address(), wb, c.address(), wc);
    }

    @Test
    void roundRobinIsSmoothAndWeighted() throws Exception {
        try (Rig rig = Rig.start(weighted("round_robin", 3, 1, 1, ""))) {
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                order.add(rig.get("/x").getHeaders().get("X-Origin"));
            }
            Map<String, Integer> counts = new HashMap<>();
            int run = 0;
            int maxRun = 0;
            for (int i = 0; i < order.size(); i++) {
                counts.merge(order.get(i), 1, Integer::sum);
                run = i > 0 && order.get(i).equals(order.get(i - 1)) ? run + 1 : 1;
                maxRun = Math.max(maxRun, run);
            }
            // weights 3:1:1 over 10,000 sequential requests: exact up to one cycle of 5
            assertTrue(Math.abs(counts.get("a") - 6000) <= 3, "a " + counts);
            assertTrue(Math.abs(counts.get("b") - 2000) <= 2, "b " + counts);
            assertTrue(Math.abs(counts.get("c") - 2000) <= 2, "c " + counts);
            // nginx's smooth order is a b a c a: never more than 2 in a row to the heavy peer
            assertTrue(maxRun <= 2, "longest run to one peer " + maxRun);
        }
    }

    @Test
    void roundRobinEqualWeightsIsPlainRotation() throws Exception {
        try (Rig rig = Rig.start(weighted("round_robin", 1, 1, 1, ""))) {
            String first = rig.get("/x").getHeaders().get("X-Origin");
            String second = rig.get("/x").getHeaders().get("X-Origin");
            String third = rig.get("/x").getHeaders().get("X-Origin");
            assertEquals(3, java.util.Set.of(first, second, third).size());
            assertEquals(first, rig.get("/x").getHeaders().get("X-Origin"));
        }
    }

    @Test
    void leastConnAvoidsTheSlowPeer() throws Exception {
        c.delayMs = 20;
        try (Rig rig = Rig.start(weighted("least_conn", 1, 1, 1, ""))) {
            Load load = Load.run(rig, 10_000, 8);
            assertEquals(0, load.errors.get(), load.toString());
            // c is ~20x slower: with 8 concurrent requests it holds at most a couple at a time
            assertTrue(load.count("c") < 1_000, "slow peer c got under 10%: " + load);
            assertTrue(Math.abs(load.count("a") - load.count("b")) < 1_500, "a and b about even: " + load);
        }
    }

    @Test
    void randomTwoSpreadsEvenly() throws Exception {
        try (Rig rig = Rig.start(weighted("random_two", 1, 1, 1, ""))) {
            Load load = Load.run(rig, 10_000, 4);
            assertEquals(0, load.errors.get(), load.toString());
            for (String o : List.of("a", "b", "c")) {
                // expected 3333 each; 5 standard deviations of a binomial is ~235
                assertTrue(Math.abs(load.count(o) - 3333) < 400, o + " within 3333 +- 400: " + load);
            }
        }
    }

    @Test
    void randomTwoAvoidsTheSlowPeer() throws Exception {
        c.delayMs = 20;
        try (Rig rig = Rig.start(weighted("random_two", 1, 1, 1, ""))) {
            Load load = Load.run(rig, 5_000, 8);
            assertEquals(0, load.errors.get(), load.toString());
            assertTrue(load.count("c") < 1_000, "slow peer c got under 20%: " + load);
        }
    }

    @Test
    void ewmaAvoidsTheSlowPeer() throws Exception {
        c.delayMs = 20;
        try (Rig rig = Rig.start(weighted("ewma", 1, 1, 1, ""))) {
            Load load = Load.run(rig, 10_000, 4);
            assertEquals(0, load.errors.get(), load.toString());
            assertTrue(load.count("c") < 500, "slow peer c got under 5%: " + load);
            // Latency-driven: on a noisy machine the split between two fast peers drifts; neither may starve.
            assertTrue(load.count("a") > 2_000 && load.count("b") > 2_000, "fast peers share the rest: " + load);
        }
    }

    @Test
    void hashIsStickyAndRemapsAboutOneNth() throws Exception {
        try (Origin d = new Origin("d")) {
            String four = """
                <nproxy>
                  <upstream name="origin" balance="hash" hash-key="$http_x_user">
                    <peer address="%s"/><peer address="%s"/><peer address="%s"/>%s
                  </upstream>
                  <server><listen host="127.0.0.1" port="0"/>
                    <location path="/"><proxy upstream="origin"/></location></server>
                </nproxy>""";
            String withD = four.formatted(a.address(), b.address(), c.address(), "<peer address=\"" + d.address() + "\"/>");
            String withoutD = four.formatted(a.address(), b.address(), c.address(), "");
            try (Rig rig = Rig.start(withD)) {
                Load before = Load.run(rig, 10_000, 4,
                    i -> rig.client.newRequest(rig.uri("/x")).headers(h -> h.put("X-User", "user" + (i % 2_000))));
                assertEquals(0, before.errors.get());
                for (String o : List.of("a", "b", "c", "d")) {
                    assertTrue(Math.abs(before.count(o) - 2500) < 500, o + " within 2500 +- 500: " + before);
                }
                Map<String, String> first = map(rig, 2_000);
                assertEquals(first, map(rig, 2_000), "same key, same peer");
                rig.nproxy.reload(withoutD);
                Map<String, String> second = map(rig, 2_000);
                int moved = 0;
                for (var e : first.entrySet()) {
                    if (!e.getValue().equals(second.get(e.getKey()))) {
                        moved++;
                        assertEquals("d", e.getValue(), "only keys of the removed peer move");
                    }
                }
                // one of N=4 removed: at most 1.5/N = 37.5% of the keys may move
                assertTrue(moved <= 2_000 * 1.5 / 4, "moved " + moved + " of 2000");
                assertTrue(moved > 0);
            }
        }
    }

    private static Map<String, String> map(Rig rig, int keys) throws Exception {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keys; i++) {
            String user = "user" + i;
            m.put(user, rig.client.newRequest(rig.uri("/x")).headers(h -> h.put("X-User", user)).send()
                .getHeaders().get("X-Origin"));
        }
        return m;
    }

    @Test
    void ipHashByClientAddressRemapsAboutOneNth() throws Exception {
        // 2,000 distinct client addresses from 127.0.0.0/8 (Linux routes all of it to lo)
        String three = weighted("ip_hash", 1, 1, 1, "");
        try (Rig rig = Rig.start(three)) {
            Map<String, String> first = byAddress(rig.port(), 2_000);
            Map<String, Integer> counts = new HashMap<>();
            first.values().forEach(o -> counts.merge(o, 1, Integer::sum));
            for (String o : List.of("a", "b", "c")) {
                assertTrue(Math.abs(counts.getOrDefault(o, 0) - 667) < 200, o + " within 667 +- 200: " + counts);
            }
            String withoutC = three.replaceFirst("<peer address=\"" + c.address() + "\" weight=\"1\"/>", "");
            rig.nproxy.reload(withoutC);
            Map<String, String> second = byAddress(rig.port(), 2_000);
            int moved = 0;
            for (var e : first.entrySet()) {
                if (!e.getValue().equals(second.get(e.getKey()))) {
                    moved++;
                    assertEquals("c", e.getValue(), "only clients of the removed peer move");
                }
            }
            assertTrue(moved <= 2_000 * 1.5 / 3, "moved " + moved + " of 2000, bound 1.5/N");
        }
    }

    private static Map<String, String> byAddress(int port, int clients) throws Exception {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < clients; i++) {
            String address = "127.1." + (i / 250) + "." + (1 + i % 250);
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
                s.connect(new InetSocketAddress("127.0.0.1", port));
                s.setSoTimeout(5_000);
                OutputStream out = s.getOutputStream();
                out.write("GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = s.getInputStream();
                String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                int at = response.indexOf("X-Origin: ");
                m.put(address, response.substring(at + 10, at + 11));
            }
        }
        return m;
    }
}
