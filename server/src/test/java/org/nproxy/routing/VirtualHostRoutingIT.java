package org.nproxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/** Three server blocks and a default on one port, told apart by Host on real sockets. */
class VirtualHostRoutingIT {
    private static final String CONFIG = """
        <nproxy>
          <access-log off="true"/>
          <server names="www.example.com example.com">
            <listen host="127.0.0.1" port="0"/>
            <location path="/"><return body="exact $host"/></location>
          </server>
          <server names="*.example.org">
            <listen host="127.0.0.1" port="0"/>
            <location path="/"><return body="wildcard"/></location>
          </server>
          <server names="~^api\\d+\\.example\\.net$">
            <listen host="127.0.0.1" port="0"/>
            <location path="/"><return body="regex"/></location>
          </server>
          <server names="catchall.test" default="true">
            <listen host="127.0.0.1" port="0"/>
            <location path="/"><return body="default"/></location>
          </server>
        </nproxy>
        """;

    @Test
    void hostPicksTheServerBlock() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(CONFIG)) {
            int port = nproxy.port();
            assertEquals("exact www.example.com", body(port, "www.example.com"));
            assertEquals("exact example.com", body(port, "EXAMPLE.com:8080"));
            assertEquals("exact www.example.com", body(port, "www.example.com."));
            assertEquals("wildcard", body(port, "shop.example.org"));
            assertEquals("wildcard", body(port, "a.b.example.org"));
            assertEquals("default", body(port, "example.org"));
            assertEquals("regex", body(port, "api12.example.net"));
            assertEquals("default", body(port, "api.example.net"));
            assertEquals("default", body(port, "unknown.test"));
            assertEquals("default", body(port, "127.0.0.1"));
            // HTTP/1.0 without Host: the default server.
            String noHost = Http.get(port, "/", null);
            assertEquals(200, Http.status(noHost));
            assertEquals("default", Http.body(noHost));
        }
    }

    @Test
    void defaultIsTheFirstServerWhenNoneIsMarked() throws Exception {
        String config = CONFIG.replace(" default=\"true\"", "");
        try (NproxyFixture nproxy = NproxyFixture.start(config)) {
            assertEquals("exact unknown.test", body(nproxy.port(), "unknown.test"));
        }
    }

    @Test
    void malformedRequestsGetA4xxAndTheConnectionStaysSane() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(CONFIG)) {
            int port = nproxy.port();
            assertEquals(400, Http.status(Http.exchange(port, "GET / HTTP/1.1\r\n\r\n")), "HTTP/1.1 without Host");
            assertEquals(400, Http.status(Http.exchange(port, "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n")));
            assertEquals(431, Http.status(Http.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "a".repeat(40_000) + "\r\n\r\n")));
            // Two pipelined requests on one connection both answered.
            String two = Http.exchange(port, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: shop.example.org\r\nConnection: close\r\n\r\n");
            assertEquals(2, two.split("HTTP/1.1 200", -1).length - 1, two);
        }
    }

    private static String body(int port, String host) throws Exception {
        String response = Http.get(port, "/", host);
        assertEquals(200, Http.status(response), response);
        return Http.body(response);
    }
}
