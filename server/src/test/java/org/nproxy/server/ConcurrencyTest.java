package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * Slow requests must not queue the others: every request runs on its own virtual thread, and
 * Jetty's default cap of 200 concurrent virtual threads would serialize 600 slow ones into three
 * waves (3 s or more here).
 */
class ConcurrencyTest {
    @Test
    void sixHundredSlowRequestsRunAtOnce() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start("""
            <nproxy>
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/"><return body="slow" delay="1s"/></location>
              </server>
            </nproxy>""")) {
            int n = 600;
            List<Socket> sockets = new ArrayList<>(n);
            long start = System.nanoTime();
            try {
                for (int i = 0; i < n; i++) {
                    Socket s = new Socket("127.0.0.1", nproxy.port());
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    out.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    sockets.add(s);
                }
                int ok = 0;
                for (Socket s : sockets) {
                    InputStream in = s.getInputStream();
                    String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                    if (Http.status(response) == 200 && Http.body(response).equals("slow")) {
                        ok++;
                    }
                }
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(n, ok);
                assertTrue(millis < 2_800, n + " one-second requests took " + millis + " ms: they were queued");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
