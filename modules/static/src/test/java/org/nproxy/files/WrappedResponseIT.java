package org.nproxy.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.NproxyFixture;

/** A handler wrapping the response (cache, compression) must see every body byte: no sendfile then. */
class WrappedResponseIT {
    @Test
    void wrapperSeesTheWholeBody() throws Exception {
        Path base = Files.createTempDirectory("nproxy-static");
        byte[] bytes = new byte[3 * 1024 * 1024];
        new Random(3).nextBytes(bytes);
        Files.createDirectories(base.resolve("www"));
        Files.write(base.resolve("www/big.bin"), bytes);
        try (NproxyFixture nproxy = NproxyFixture.start(base, """
                <nproxy><server><listen host="127.0.0.1" port="0"/>
                  <location path="/"><counting/><static root="www"/></location>
                </server></nproxy>""");
             RawClient c = new RawClient(nproxy.port())) {
            CountingFactory.BYTES.set(0);
            RawClient.Reply r = c.get("/big.bin");
            assertArrayEquals(bytes, r.body());
            assertEquals(bytes.length, CountingFactory.BYTES.get());
            assertEquals(206, c.get("/big.bin", "Range: bytes=0-9").status());
        } finally {
            StaticSiteIT.deleteTree(base);
        }
    }
}
