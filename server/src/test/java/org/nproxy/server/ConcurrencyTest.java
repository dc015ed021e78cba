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
 * waves.
 *
 * <p>Judged by the spread of the requests' own latencies (answer's arrival minus sending), not
 * by wall time, which on a loaded machine stretches everything. Queued in waves of 200, the last
 * request waits two waves longer than the first: the spread is at least 2 delays minus the time
 * the client took to send all 600, so more than one delay when sending took less than one.
 * Running at once, all latencies are one delay plus the same scheduling noise.
 */
class ConcurrencyTest {
    private static final long DELAY_MILLIS = 3_000;

    @Test
    void sixHundredSlowRequestsRunAtOnce() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start("""
            <nproxy>
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/"><return body="slow" delay="%dms"/></location>
              </server>
            </nproxy>""".formatted(DELAY_MILLIS))) {
            int n = 600;
            List<Socket> sockets = new ArrayList<>(n);
            long[] sent = new long[n];
            long start = System.nanoTime();
            try {
                for (int i = 0; i < n; i++) {
                    Socket s = new Socket("127.0.0.1", nproxy.port());
                    s.setSoTimeout(30_000);
                    OutputStream out = s.getOutputStream();
                    out.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    sent[i] = System.nanoTime();
                    sockets.add(s);
                }
                long sending = (sent[n - 1] - start) / 1_000_000;
                int ok = 0;
                long best = Long.MAX_VALUE;
                long worst = 0;
                for (int i = 0; i < n; i++) {
                    InputStream in = sockets.get(i).getInputStream();
                    String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                    long latency = (System.nanoTime() - sent[i]) / 1_000_000;
                    best = Math.min(best, latency);
                    worst = Math.max(worst, latency);
                    if (Http.status(response) == 200 && Http.body(response).equals("slow")) {
                        ok++;
                    }
                }
                assertEquals(n, ok);
                assertTrue(sending < DELAY_MILLIS, "the client needed " + sending + " ms to send " + n
                    + " requests: too slow to tell queued from concurrent");
                assertTrue(worst - best < DELAY_MILLIS, n + " requests of " + DELAY_MILLIS + " ms sent in " + sending
                    + " ms took " + best + " to " + worst + " ms: some waited for others, they were queued");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
