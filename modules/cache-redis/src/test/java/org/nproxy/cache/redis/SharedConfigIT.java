package org.nproxy.cache.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.nproxy.config.ConfigException;
import org.nproxy.server.ModuleRegistry;
import org.nproxy.server.NproxyServer;
import org.nproxy.testing.LogCapture;
import org.nproxy.testing.NproxyFixture;

/** The shared-* attributes of a cache zone: errors with file and line, credentials, reloads. */
class SharedConfigIT {
    private static String errors(String zoneAttrs) throws Exception {
        Path base = Files.createTempDirectory("nproxy-shared-config");
        Files.createDirectories(base.resolve("etc"));
        Path config = base.resolve("etc/nproxy.xml");
        Files.writeString(config, "<nproxy>\n<cache-zone name=\"pages\" " + zoneAttrs + "/>\n"
            + "<server><listen host=\"127.0.0.1\" port=\"0\"/><location path=\"/\"><cache zone=\"pages\"/>"
            + "<return status=\"200\" body=\"x\"/></location></server></nproxy>");
        ConfigException e = assertThrows(ConfigException.class,
            () -> NproxyServer.check(base, config, ModuleRegistry.load(List.of())));
        return e.errors().stream().map(Object::toString).collect(Collectors.joining("\n"));
    }

    @Test
    void anUnknownSchemeListsTheInstalledOnes() throws Exception {
        String e = errors("shared=\"memcached://127.0.0.1:11211\"");
        assertTrue(e.contains("nproxy.xml:2"), e);
        assertTrue(e.contains("no installed module provides the shared tier 'memcached://'"), e);
        assertTrue(e.contains("redis, redis-cluster, redis-sentinel"), e);
    }

    @Test
    void aPasswordInTheUriIsRefusedAndNeverEchoed() throws Exception {
        String e = errors("shared=\"redis://:s3cret@127.0.0.1:6379/0\"");
        assertTrue(e.contains("nproxy.xml:2"), e);
        assertTrue(e.contains("carries credentials"), e);
        assertTrue(e.contains("shared-password-file"), "says where the password goes: " + e);
    }

    @Test
    void badValuesAreReported() throws Exception {
        String e = errors("shared=\"redis://127.0.0.1:1/0\" shared-timeout=\"0\" shared-chunk=\"10\" shared-colour=\"red\"");
        assertTrue(e.contains("shared-timeout"), e);
        assertTrue(e.contains("shared-chunk"), e);
        assertTrue(e.contains("shared-colour"), "unknown attribute: " + e);
    }

    @Test
    void thePasswordComesFromAFileAndIsNeverLoggedAndTheConnectionSurvivesAReload() throws Exception {
        try (LogCapture log = new LogCapture();
             RedisProcess redis = RedisProcess.start("--requirepass", "pa55-word-xyz")) {
            Path base = Files.createTempDirectory("nproxy-shared-auth");
            Files.createDirectories(base.resolve("etc"));
            Files.writeString(base.resolve("etc/redis.password"), "pa55-word-xyz\n");
            String config = Instances.config(1, "redis://127.0.0.1:" + redis.port + "/0",
                "shared-password-file=\"etc/redis.password\"");
            try (NproxyFixture nproxy = NproxyFixture.start(base, config)) {
                log.awaitLine("shared tier redis://127.0.0.1:" + redis.port + "/0 is up (connected)");
                assertTrue(nproxy.reload(config).ok());
                assertTrue(nproxy.reload(config.replace("<location path=\"/\">", "<location path=\"/x/\">"
                    + "<return status=\"204\"/></location><location path=\"/\">")).ok());
                assertFalse(log.text().contains("closed"), "a reload with the same zone keeps its connection:\n" + log.text());
                assertEquals(1, log.text().lines().filter(l -> l.contains("is up (connected)")).count());
            }
            assertFalse(log.text().contains("pa55-word-xyz"), "the password is never logged");
            String clients = redis.cli("-a", "pa55-word-xyz", "--no-auth-warning", "INFO", "clients");
            assertTrue(clients.contains("connected_clients:1"), "the instance closed its connections at stop: " + clients);
        }
    }
}
