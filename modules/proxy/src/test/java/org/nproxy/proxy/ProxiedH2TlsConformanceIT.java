package org.nproxy.proxy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.nproxy.testing.TestCerts;

/** The cases of {@link ProxiedH2ConformanceIT} on a TLS listener (ALPN h2) that proxies. */
class ProxiedH2TlsConformanceIT extends ProxiedH2ConformanceIT {
    @BeforeAll
    static void start() throws Exception {
        tls = true;
        Path dir = Files.createTempDirectory("h2tls");
        TestCerts certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("localhost", "ec");
        origin = new Origin("o");
        nproxy = Rig.start(Proxies.simple("127.0.0.1:" + origin.connector.getLocalPort())
            .replace("<server>", "<server names=\"localhost\">")
            .replace("<listen host=\"127.0.0.1\" port=\"0\"/>", """
                <listen host="127.0.0.1" port="0" tls="true" protocols="h2 http/1.1"/>
                <tls cert="%1$s/localhost.crt" key="%1$s/localhost.key"/>""".formatted(certs.dir())));
    }
}
