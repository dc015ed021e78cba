package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Peer state belongs to its group: one group's failures never take an address out of another. */
class GroupIsolationIT {
    @Test
    void failuresInOneGroupNeverTakeTheSharedAddressOutOfAnother() throws Exception {
        try (Origin origin = new Origin("a")) {
            String config = """
                <nproxy>
                  <upstream name="strict"><peer address="%1$s" max-fails="1" fail-timeout="60s"/></upstream>
                  <upstream name="lenient"><peer address="%1$s" max-fails="0"/></upstream>
                  <server>
                    <listen host="127.0.0.1" port="0"/>
                    <location path="= /upstreams"><upstream-status/></location>
                    <location path="/strict/"><proxy upstream="strict" fail-status="502"><rewrite prefix="/strict/" to="/"/></proxy></location>
                    <location path="/lenient/"><proxy upstream="lenient" fail-status="502"><rewrite prefix="/lenient/" to="/"/></proxy></location>
                  </server>
                </nproxy>
                """.formatted(origin.address());
            try (Rig rig = Rig.start(config)) {
                assertEquals(502, rig.get("/strict/status/502").getStatus());
                String status = rig.get("/upstreams").getContentAsString();
                String strict = status.lines().filter(l -> l.startsWith("upstream=strict ")).findFirst().orElseThrow();
                String lenient = status.lines().filter(l -> l.startsWith("upstream=lenient ")).findFirst().orElseThrow();
                assertTrue(strict.contains("state=failed"), status);
                assertTrue(lenient.contains("state=up") && lenient.contains("failures=0"), status);
                for (int i = 0; i < 20; i++) {
                    assertEquals(502, rig.get("/lenient/status/502").getStatus(), "lenient passes the origin's answer on");
                    assertEquals(200, rig.get("/lenient/echo").getStatus(), "the address is still in the lenient group");
                }
                String after = rig.get("/upstreams").getContentAsString();
                assertTrue(after.lines().anyMatch(l -> l.startsWith("upstream=lenient ") && l.contains("state=up")), after);
            }
        }
    }
}
