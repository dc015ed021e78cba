package org.nproxy.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * The {@code $upstream_*} variables the upstream library declares as request keys, seen by an
 * access log format as nginx lists them: one entry per try, comma-separated. The first try goes
 * to a dead peer (connection refused, 502), the retry to a backup that answers.
 */
class UpstreamVariablesIT {
    private static final String FORMAT = "$upstream_addr|$upstream_status|$upstream_connect_time|"
        + "$upstream_header_time|$upstream_response_time|$request_time|$request_uri";

    @Test
    void oneEntryPerTry() throws Exception {
        int dead = MetricsScrapeIT.deadPort();
        try (TestOrigin origin = new TestOrigin();
             NproxyFixture nproxy = NproxyFixture.start("""
                 <nproxy>
                   <access-log path="logs/up.log" format="%s"/>
                   <upstream name="app">
                     <peer address="127.0.0.1:%d" max-fails="1" fail-timeout="30s"/>
                     <peer address="%s" backup="true"/>
                   </upstream>
                   <server><listen host="127.0.0.1" port="0"/>
                     <location path="/"><proxy upstream="app"/></location>
                   </server>
                 </nproxy>""".formatted(FORMAT, dead, origin.address()))) {
            assertEquals(200, Http.status(Http.get(nproxy.port(), "/first", "x")));
            assertEquals(200, Http.status(Http.get(nproxy.port(), "/second", "x")));
            // The log's stripes may write the two lines in either order: pick each by its URI.
            List<String> all = lines(nproxy.base().resolve("logs/up.log"), 2);
            List<String> lines = List.of(
                all.stream().filter(l -> l.endsWith("|/first")).findFirst().orElseThrow(),
                all.stream().filter(l -> l.endsWith("|/second")).findFirst().orElseThrow());
            String[] first = lines.get(0).split("\\|");
            assertEquals("127.0.0.1:" + dead + ", " + origin.address(), first[0], lines.get(0));
            assertEquals("502, 200", first[1], lines.get(0));
            String time = "\\d+\\.\\d{3}";
            assertTrue(first[2].matches("(-|" + time + "), " + time), "connect times: " + first[2]);
            assertTrue(first[3].matches("-, " + time), "header times: " + first[3]);
            assertTrue(first[4].matches(time + ", " + time), "response times: " + first[4]);
            assertTrue(first[5].matches(time), "request time: " + first[5]);
            String[] second = lines.get(1).split("\\|");
            assertEquals(origin.address(), second[0], "the dead peer is out for fail-timeout: " + lines.get(1));
            assertEquals("200", second[1]);
        }
    }

    private static List<String> lines(Path log, int expected) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(5))
                .until(() -> (Files.exists(log) ? Files.readAllLines(log) : List.<String>of()).size() >= expected);
        } catch (ConditionTimeoutException e) {
            // the caller's assertions show what is there
        }
        return Files.readAllLines(log);
    }
}
