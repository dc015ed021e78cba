package org.nproxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.testing.H2Wire;
import org.nproxy.testing.NproxyFixture;
import org.nproxy.testing.TestCerts;

/** Issue 18: the malformed-request stream errors of {@link Http2ErrorsIT} hold on h2 over TLS too. */
class Http2TlsErrorsIT {
    @TempDir
    Path dir;

    @Test
    void malformedRequestsOverTlsAreStreamErrors() throws Exception {
        TestCerts certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("a.test", "ec");
        try (NproxyFixture nproxy = NproxyFixture.start(dir.resolve("base"), """
                <nproxy><server names="a.test">
                  <listen host="127.0.0.1" port="0" tls="true" protocols="h2 http/1.1"/>
                  <tls cert="%1$s/a.test.crt" key="%1$s/a.test.key"/>
                  <location path="/"><return body="ok"/></location>
                </server></nproxy>""".formatted(certs.dir()));
             H2Wire h2 = H2Wire.openTls(nproxy.port())) {
            h2.headers(1, true, H2Wire.get("/", "X-Upper", "1"));
            assertEquals("RST_STREAM(PROTOCOL_ERROR)", h2.outcome(1));
            h2.headers(3, true, H2Wire.get("/", "transfer-encoding", "chunked"));
            assertEquals("RST_STREAM(PROTOCOL_ERROR)", h2.outcome(3));
            h2.headers(5, true, H2Wire.get("/"));
            assertEquals("HEADERS(200) DATA END_STREAM", h2.outcome(5));
        }
    }
}
