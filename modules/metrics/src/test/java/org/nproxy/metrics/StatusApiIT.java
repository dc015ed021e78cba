package org.nproxy.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * {@code <status/>} without a browser: 403 outside {@code allow-from}, the JSON for
 * {@code Accept: application/json}, assets served locally, and the drain API: a drained peer
 * gets no new requests, one brought back does, and a reload clears the drain.
 */
class StatusApiIT {
    static String config(TestOrigin a, TestOrigin b, String allow) {
        return """
            <nproxy>
              <upstream name="app"><peer address="%s"/><peer address="%s"/></upstream>
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/status"><status allow-from="%s" refresh="500ms"/></location>
                <location path="/closed"><status allow-from="10.0.0.0/8"/></location>
                <location path="/"><proxy upstream="app"/></location>
              </server>
            </nproxy>""".formatted(a.address(), b.address(), allow);
    }

    static String request(int port, String method, String target, String accept, String body) throws Exception {
        return Http.exchange(port, method + " " + target + " HTTP/1.1\r\nHost: x\r\n"
            + (accept == null ? "" : "Accept: " + accept + "\r\n")
            + (body == null ? "" : "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length() + "\r\n")
            + "Connection: close\r\n\r\n" + (body == null ? "" : body));
    }

    @Test
    void jsonForbiddenAndDrain() throws Exception {
        try (TestOrigin a = new TestOrigin(); TestOrigin b = new TestOrigin();
             NproxyFixture nproxy = NproxyFixture.start(config(a, b, "127.0.0.1/32"))) {
            int port = nproxy.port();
            assertEquals(403, Http.status(request(port, "GET", "/closed", null, null)));
            String page = request(port, "GET", "/status", "text/html", null);
            assertTrue(Http.body(page).contains("<script src=\"/status/status.js\">"), page);
            assertTrue(page.contains("Content-Security-Policy: default-src 'self'"), page);
            assertEquals(200, Http.status(request(port, "GET", "/status/status.js", null, null)));
            assertEquals(200, Http.status(request(port, "GET", "/status/status.css", null, null)));

            for (int i = 0; i < 4; i++) {
                Http.get(port, "/x", "x");
            }
            String json = Http.body(request(port, "GET", "/status", "application/json", null));
            assertTrue(json.startsWith("{\"generation\":1,"), json);
            assertTrue(json.contains("\"upstream\":\"app\""), json);
            assertTrue(json.contains("{\"peer\":\"" + a.address() + "\",\"state\":\"up\",\"drained\":false"), json);
            assertTrue(json.contains("\"location\":\"/\",\"codes\":{\"200\":4}"), json);

            String drained = request(port, "POST", "/status/drain", "application/json",
                "upstream=app&peer=" + a.address() + "&drain=true");
            assertEquals(200, Http.status(drained), drained);
            assertTrue(Http.body(drained).contains("\"drained\":true"), drained);
            String status = Http.body(request(port, "GET", "/status/status.json", null, null));
            assertTrue(status.contains("{\"peer\":\"" + a.address() + "\",\"state\":\"drained\",\"drained\":true"), status);
            long before = peerRequests(status, a.address());
            for (int i = 0; i < 6; i++) {
                assertEquals(200, Http.status(Http.get(port, "/y", "x")));
            }
            assertEquals(before, peerRequests(Http.body(request(port, "GET", "/status/status.json", null, null)), a.address()),
                "a drained peer gets no new request");
            assertEquals(404, Http.status(request(port, "POST", "/status/drain", null, "upstream=app&peer=nope&drain=true")));
            assertEquals(405, Http.status(request(port, "GET", "/status/drain", null, null)));
            String crossSite = Http.exchange(port, "POST /status/drain HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nOrigin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 9\r\nConnection: close\r\n\r\nupstream=");
            assertEquals(403, Http.status(crossSite), "a drain from another site's page");

            assertTrue(nproxy.reload(config(a, b, "127.0.0.1/32")).ok());
            String after = Http.body(request(port, "GET", "/status", "application/json", null));
            assertTrue(after.contains("{\"peer\":\"" + a.address() + "\",\"state\":\"up\",\"drained\":false"),
                "a reload clears the drain: " + after);

            // A reload that changes the group opens a new one: its gauges read the new peer state.
            assertTrue(nproxy.reload(config(a, b, "127.0.0.1/32").replace("<upstream name=\"app\">",
                "<upstream name=\"app\" balance=\"least_conn\">")).ok());
            assertEquals(200, Http.status(request(port, "POST", "/status/drain", null,
                "upstream=app&peer=" + b.address() + "&drain=true")));
            // The old generation drains and lets go of the old group: the gauge then reads the new one.
            await("the gauge follows the group opened by the reload").atMost(Duration.ofSeconds(10)).until(() ->
                nproxy.server().meters().get("nproxy.upstream.peer.drained").tag("peer", b.address()).gauge().value() == 1.0);
        }
    }

    /** The {@code requests} figure of a peer in the status JSON. */
    static long peerRequests(String json, String peer) {
        int at = json.indexOf("{\"peer\":\"" + peer + "\"");
        int r = json.indexOf("\"requests\":", at) + "\"requests\":".length();
        int end = r;
        while (Character.isDigit(json.charAt(end))) {
            end++;
        }
        return Long.parseLong(json.substring(r, end));
    }
}
