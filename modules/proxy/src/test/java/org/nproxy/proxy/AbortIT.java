package org.nproxy.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** A client that goes away mid-body must not leave the upstream exchange (or its in-flight count) behind. */
class AbortIT {
    @Test
    void clientClosingMidDownloadReleasesTheUpstream() throws Exception {
        try (Origin origin = new Origin("a");
             Rig rig = Rig.start(Proxies.config("", List.of(origin.address()), "", "", ""))) {
            for (int i = 0; i < 3; i++) {
                try (Socket s = new Socket("127.0.0.1", rig.port())) {
                    OutputStream out = s.getOutputStream();
                    out.write(("GET /download?size=" + (512L << 20) + " HTTP/1.1\r\nHost: t\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    long read = 0;
                    while (read < (1 << 20)) {
                        read += in.read(buf);
                    }
                } // closed with ~511 MiB still to come
            }
            await("upstream exchanges end").atMost(Duration.ofSeconds(5))
                .until(() -> rig.get("/upstreams").getContentAsString().contains("inflight=0"));
            assertTrue(rig.get("/x").getStatus() == 200, "the proxy still serves");
        }
    }
}
