package org.nproxy.example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.H2Wire;
import org.nproxy.testing.NproxyFixture;

/**
 * Issue 18, RFC 9113 §5.1: DATA on a stream the client already ended (half-closed remote) while
 * the handler is still working is a stream error STREAM_CLOSED. Needs a handler that takes its
 * time ({@code <echo delay>}) so that the stream is still open on the server's side.
 */
class Http2StreamStateIT {
    @Test
    void dataAfterEndStreamIsStreamClosed() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start("""
                <nproxy><server><listen host="127.0.0.1" port="0" protocols="http/1.1 h2c"/>
                  <location path="/"><echo delay="1s"/></location>
                </server></nproxy>""");
             H2Wire h2 = H2Wire.open(nproxy.port())) {
            h2.headers(1, true, H2Wire.get("/"));
            h2.data(1, true, new byte[3]);
            String trace = h2.trace(3000);
            assertTrue(trace.startsWith("RST_STREAM#1(STREAM_CLOSED)") || trace.startsWith("GOAWAY(STREAM_CLOSED)"), trace);
        }
    }
}
