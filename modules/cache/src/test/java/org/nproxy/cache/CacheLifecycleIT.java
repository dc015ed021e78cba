package org.nproxy.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.jetty.util.Blocker;
import org.junit.jupiter.api.Test;

/** Reloads that keep or resize a zone, a client that goes away mid-body, and $cache_status in the log. */
class CacheLifecycleIT {
    @Test
    void aReloadWithTheSameZoneKeepsItsEntriesAndAResizeOpensANewStore() throws Exception {
        try (CountingOrigin origin = new CountingOrigin();
             CacheRig rig = CacheRig.start(Files.createTempDirectory("nproxy-cache-test"),
                 CacheRig.config(origin.port(), "", CacheRig.freePort()))) {
            String config = Files.readString(rig.nproxy.base().resolve("etc/nproxy.xml"));
            rig.get("/r");
            assertTrue(rig.nproxy.reload(config.replace("<cache zone=\"pages\" ", "<cache zone=\"pages\" lock-timeout=\"3s\" ")).ok());
            assertTrue(rig.get("/r").getHeaders().get("Cache-Status").startsWith("nproxy; hit"));
            var resized = rig.nproxy.reload(config.replace("heap=\"4m\"", "heap=\"6m\""));
            assertTrue(resized.ok(), resized.message());
            assertEquals("/r #2", rig.get("/r").getContentAsString()); // a new, empty store
            assertEquals("/r #2", rig.get("/r").getContentAsString());
            assertEquals(2, origin.count("/r"));
        }
    }

    @Test
    void aClientThatGoesAwayMidBodyLeavesNoEntry() throws Exception {
        byte[] big = CacheCollapseAndRestartIT.body(600_000);
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/slow", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Content-Length", big.length);
                for (int at = 0; at < big.length - 100_000; at += 100_000) { // all but the last part, slowly
                    try (Blocker.Callback b = Blocker.callback()) {
                        rs.write(false, java.nio.ByteBuffer.wrap(big, at, 100_000), b);
                        b.block();
                    }
                    Thread.sleep(n == 1 ? 200 : 0);
                }
                rq.setAttribute("body", java.util.Arrays.copyOfRange(big, big.length - 100_000, big.length));
            });
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), rig.nproxy.port())) {
                OutputStream out = s.getOutputStream();
                out.write("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                assertTrue(in.readNBytes(50_000).length > 0);
            } // closed after the first part
            assertEquals(0, tempFilesAfterAWhile(rig), "the abandoned capture is deleted");
            Thread.sleep(1500); // the origin's slow answer ends; nothing may be stored from it
            assertArrayEquals(big, rig.get("/slow").getContent());
            assertEquals(2, origin.count("/slow"));
            // the client has every byte before the server moves the body into place: poll
            assertEquals(0, tempFilesAfterAWhile(rig));
            assertArrayEquals(big, rig.get("/slow").getContent());
            assertEquals(2, origin.count("/slow"));
        }
    }

    static long tempFilesAfterAWhile(CacheRig rig) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> tempFiles(rig) == 0);
        } catch (ConditionTimeoutException e) {
            // the caller asserts the count
        }
        return tempFiles(rig);
    }

    @Test
    void theAccessLogShowsCacheStatus() throws Exception {
        try (CountingOrigin origin = new CountingOrigin()) {
            String config = CacheRig.config(origin.port(), "")
                .replace("<server>", "<access-log path=\"logs/access.log\" format=\"$request_uri $cache_status\"/>\n  <server>");
            Path base = Files.createTempDirectory("nproxy-cache-test");
            try (CacheRig rig = CacheRig.start(base, config)) {
                rig.get("/logged");
                rig.get("/logged");
                rig.send("POST", "/logged");
            }
            String log = Files.readString(base.resolve("logs/access.log"));
            // the access log's stripes may write lines of different threads in either order
            assertEquals(java.util.List.of("/logged BYPASS", "/logged HIT", "/logged MISS"),
                log.lines().sorted().toList(), log);
        }
    }

    static long tempFiles(CacheRig rig) throws Exception {
        Path tmp = rig.nproxy.base().resolve("var/cache/pages/tmp");
        if (!Files.isDirectory(tmp)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(tmp)) {
            return s.count();
        }
    }
}
