package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/** One line per request, in each format, written by a real server. */
class AccessLogIT {
    private static String config(String format) {
        return """
            <nproxy>
              <access-log path="logs/test.log" format="%s"/>
              <server names="site.test"><listen host="127.0.0.1" port="0"/>
                <location path="= /ping"><return body="pong"/></location>
                <location path="/"><return status="404" body="nope"/></location>
              </server>
            </nproxy>""".formatted(format);
    }

    private static List<String> lines(NproxyFixture nproxy, int expected) throws Exception {
        Path log = nproxy.base().resolve("logs/test.log");
        // The log line is written when the exchange completes, just after the client has its answer.
        return Awaitility.await("access log lines in " + log).atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(10)).ignoreExceptions()
            .until(() -> Files.exists(log) ? Files.readAllLines(log) : List.<String>of(), l -> l.size() >= expected);
    }

    @Test
    void combinedByDefault() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("combined"))) {
            Http.exchange(nproxy.port(), "GET /ping?x=1 HTTP/1.1\r\nHost: site.test\r\nUser-Agent: t/1\r\n"
                + "Referer: http://r/\r\nConnection: close\r\n\r\n");
            List<String> lines = lines(nproxy, 1);
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).matches("127\\.0\\.0\\.1 - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}] "
                + "\"GET /ping\\?x=1 HTTP/1\\.1\" 200 4 \"http://r/\" \"t/1\""), lines.get(0));
        }
    }

    @Test
    void jsonLinesCarryVhostLocationHandlerAndDuration() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("json"))) {
            Http.get(nproxy.port(), "/missing", "site.test");
            String line = lines(nproxy, 1).get(0);
            assertTrue(line.startsWith("{") && line.endsWith("}"), line);
            assertTrue(line.contains("\"status\":404"), line);
            assertTrue(line.contains("\"vhost\":\"site.test\""), line);
            assertTrue(line.contains("\"location\":\"/\""), line);
            assertTrue(line.contains("\"handler\":\"return\""), line);
            assertTrue(line.matches(".*\"duration_ms\":\\d+\\.\\d{3}.*"), line);
            assertTrue(line.contains("\"uri\":\"/missing\""), line);
            assertTrue(line.endsWith(",\"trace_id\":null}"), "nothing forwarded or traced it: " + line);
        }
    }

    @Test
    void customPattern() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("$status $request_method $uri $vhost $location $handler $request_time $http_x_id"))) {
            Http.exchange(nproxy.port(), "GET /ping HTTP/1.1\r\nHost: other\r\nX-Id: 42\r\nConnection: close\r\n\r\n");
            String line = lines(nproxy, 1).get(0);
            assertTrue(line.matches("200 GET /ping site\\.test = /ping return \\d+\\.\\d{3} 42"), line);
        }
    }

    @Test
    void jsonEscapesQuotesBackslashesControlsAndKeepsNonAsciiAsUtf8() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("json"))) {
            // On the wire: the user agent's bytes are UTF-8 ("é" = C3 A9, "☕" = E2 98 95).
            String agent = "a \"q\" b\\c\td \u00c3\u00a9 \u00e2\u0098\u0095";
            Http.exchange(nproxy.port(), "GET /ping?x=%22 HTTP/1.1\r\nHost: site.test\r\nUser-Agent: " + agent
                + "\r\nReferer: http://r/\"x\"\r\nConnection: close\r\n\r\n");
            String line = lines(nproxy, 1).get(0);
            assertTrue(line.contains(",\"user_agent\":\"a \\\"q\\\" b\\\\c\\td é ☕\","), line);
            assertTrue(line.contains(",\"referer\":\"http://r/\\\"x\\\"\","), line);
            assertTrue(line.contains(",\"uri\":\"/ping?x=%22\","), line);
        }
    }

    @Test
    void textFormatsEscapeQuotesAndBackslashesAsNginxDoes() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config("combined"))) {
            Http.exchange(nproxy.port(), "GET /ping HTTP/1.1\r\nHost: site.test\r\nUser-Agent: a \"q\" b\\c\td \u00c3\u00a9"
                + "\r\nConnection: close\r\n\r\n");
            String line = lines(nproxy, 1).get(0);
            assertTrue(line.endsWith(" \"-\" \"a \\x22q\\x22 b\\x5Cc\\x09d é\""), line);
        }
    }

    @Test
    void combinedIsTheCombinedPattern() throws Exception {
        // "combined" has its own fast writer: it must write what the spelled-out pattern writes.
        String raw = "GET /ping?a=b HTTP/1.1\r\nHost: site.test\r\nUser-Agent: u \"1\"\r\nReferer: http://r/\r\n"
            + "Connection: close\r\n\r\n";
        String fast;
        try (NproxyFixture nproxy = NproxyFixture.start(config("combined"))) {
            Http.exchange(nproxy.port(), raw);
            fast = lines(nproxy, 1).get(0);
        }
        String pattern = "$remote_addr - - [$time_local] &quot;$request&quot; $status $body_bytes_sent "
            + "&quot;$http_referer&quot; &quot;$http_user_agent&quot;";
        String spelled;
        try (NproxyFixture nproxy = NproxyFixture.start(config(pattern))) {
            Http.exchange(nproxy.port(), raw);
            spelled = lines(nproxy, 1).get(0);
        }
        String time = "\\[[^]]*]";
        assertEquals(spelled.replaceAll(time, "[T]"), fast.replaceAll(time, "[T]"));
    }
}
