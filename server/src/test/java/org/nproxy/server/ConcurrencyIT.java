package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Jetty's default cap of 200 concurrent virtual threads would hold back all but 200 of 600 slow
 * ones. Each request here waits until all 600 are inside the handler at once ({@link
 * org.nproxy.testing.BarrierFactory}): with a cap they never are, and they answer 503. Nothing is
 * timed, so a loaded machine cannot fail it.
 */
class ConcurrencyIT {
    @Test
    void sixHundredSlowRequestsRunAtOnce() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start("""
            <nproxy>
              <server><listen host="127.0.0.1" port="0"/>
                <location path="/"><barrier name="six-hundred" parties="600"/></location>
              </server>
            </nproxy>""")) {
            int n = 600;
            List<Socket> sockets = new ArrayList<>(n);
            try {
                for (int i = 0; i < n; i++) {
                    Socket s = new Socket("127.0.0.1", nproxy.port());
                    s.setSoTimeout(120_000);
                    OutputStream out = s.getOutputStream();
                    out.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    sockets.add(s);
                }
                int ok = 0;
                for (Socket s : sockets) {
                    InputStream in = s.getInputStream();
                    String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                    if (Http.status(response) == 200 && Http.body(response).equals("together")) {
                        ok++;
                    }
                }
                assertEquals(n, ok, "requests that were inside the handler together with all the others");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
