package org.nproxy.cache.shared;

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

/** {@code <cache-zone shared="...">} without a module that provides the scheme (cache-redis is not on this classpath). */
class SharedConfigIT {
    @Test
    void aSchemeNoInstalledModuleProvidesIsAConfigErrorWithItsLine() throws Exception {
        Path base = Files.createTempDirectory("nproxy-shared-config");
        Files.createDirectories(base.resolve("etc"));
        Path config = base.resolve("etc/nproxy.xml");
        Files.writeString(config, "<nproxy>\n"
            + "<cache-zone name=\"pages\" shared=\"redis://127.0.0.1:6379/0\" shared-timeout=\"50ms\"/>\n"
            + "<server><listen host=\"127.0.0.1\" port=\"0\"/><location path=\"/\"><cache zone=\"pages\"/>"
            + "<return status=\"200\" body=\"x\"/></location></server></nproxy>");
        ConfigException e = assertThrows(ConfigException.class,
            () -> NproxyServer.check(base, config, ModuleRegistry.load(List.of())));
        String errors = e.errors().stream().map(Object::toString).collect(Collectors.joining("\n"));
        assertTrue(errors.contains("nproxy.xml:2"), errors);
        assertTrue(errors.contains("no installed module provides the shared tier 'redis://'"), errors);
        assertTrue(errors.contains("cache-redis"), "names the module to install: " + errors);
    }
}
