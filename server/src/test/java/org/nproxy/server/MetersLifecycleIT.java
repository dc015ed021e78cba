package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * Request meters through the core: counted per server, location and code; a location kept by a
 * reload keeps counting in the same series; a removed one's series go after the drain; reloads
 * and the generation are counted; an exporter plugged in late sees the earlier meters.
 */
class MetersLifecycleIT {
    private static String config(boolean withB) {
        return """
            <nproxy drain-timeout="5s">
              <server names="one.test"><listen host="127.0.0.1" port="0"/>
                <location path="/a"><return body="a"/></location>
                %s
                <location path="/"><return status="404"/></location>
              </server>
            </nproxy>""".formatted(withB ? "<location path=\"/b\"><return status=\"503\"/></location>" : "");
    }

    private static double count(MeterRegistry r, String location, String code) {
        Counter c = r.find("nproxy.requests").tags("server", "one.test", "location", location, "code", code).counter();
        return c == null ? -1 : c.count();
    }

    /** The count once it reaches {@code want} (a request is counted just after its response is sent). */
    private static double await(MeterRegistry r, String location, String code, double want) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> count(r, location, code) == want);
        } catch (ConditionTimeoutException e) {
            // the caller asserts the count
        }
        return count(r, location, code);
    }

    @Test
    void requestMetersFollowTheirLocationThroughReloads() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(config(true))) {
            SimpleMeterRegistry exporter = new SimpleMeterRegistry();
            int port = nproxy.port();
            // Plugged in after start: it gets the meters registered while the generation was built.
            MeterRegistry root = nproxy.server().meters();
            ((io.micrometer.core.instrument.composite.CompositeMeterRegistry) root).add(exporter);
            for (int i = 0; i < 3; i++) {
                assertEquals(200, Http.status(Http.get(port, "/a", "one.test")));
            }
            assertEquals(503, Http.status(Http.get(port, "/b", "one.test")));
            assertEquals(404, Http.status(Http.get(port, "/zzz", "one.test")));
            assertEquals(3.0, await(exporter, "/a", "200", 3.0));
            assertEquals(1.0, await(exporter, "/b", "503", 1.0));
            assertEquals(1.0, await(exporter, "/", "404", 1.0));
            Timer t = exporter.find("nproxy.request.duration").tags("location", "/a").timer();
            assertNotNull(t);
            assertEquals(3, t.count());

            NproxyServer.ReloadResult r = nproxy.reload(config(false));
            assertTrue(r.ok(), r.message());
            assertEquals(200, Http.status(Http.get(port, "/a", "one.test")));
            assertEquals(4.0, await(exporter, "/a", "200", 4.0), "a kept location keeps its series");
            Awaitility.await("a removed location's series go after the drain").atMost(Duration.ofSeconds(10))
                .until(() -> count(exporter, "/b", "503") == -1.0);
            assertNull(root.find("nproxy.request.duration").tags("location", "/b").timer());
            assertEquals(4.0, count(exporter, "/a", "200"));

            assertEquals(1.0, exporter.get("nproxy.config.reloads").tag("result", "ok").counter().count());
            assertEquals(2.0, exporter.get("nproxy.config.generation").gauge().value());
            assertTrue(nproxy.reload(config(false).replace("<listen ", "<listen bogus=\"1\" ")).ok() == false);
            assertEquals(1.0, exporter.get("nproxy.config.reloads").tag("result", "failed").counter().count());
        }
    }
}
