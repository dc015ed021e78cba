package org.nproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nproxy.server.ModuleRegistry;

/**
 * Golden error messages: every {@code golden/config-errors/NAME.xml} must fail with exactly the
 * lines in {@code NAME.errors} (paths shown relative to that directory). Regenerate after a
 * deliberate wording change with {@code -Dgolden.update=true}, then read the diff.
 */
class ConfigErrorsTest {
    private static final ModuleRegistry REGISTRY = ModuleRegistry.load(List.of());

    static Stream<String> cases() throws Exception {
        try (Stream<Path> files = Files.list(dir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".xml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void errorsAreGolden(String name) throws Exception {
        Path dir = dir();
        ConfigLoader loader = new ConfigLoader(dir, REGISTRY::get, REGISTRY.types());
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(dir.resolve(name)));
        String actual = e.errors().stream().map(ConfigError::toString)
            .map(s -> s.replace(dir.toString() + "/", ""))
            .collect(Collectors.joining("\n")) + "\n";
        Path golden = source().resolve(name.replace(".xml", ".errors"));
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(golden, actual);
        }
        assertTrue(Files.exists(golden), "missing golden file " + golden + " (run with -Dgolden.update=true)");
        assertEquals(Files.readString(golden), actual, name);
    }

    @Test
    void everyErrorNamesFileLineAndColumn() throws Exception {
        Path dir = dir();
        ConfigLoader loader = new ConfigLoader(dir, REGISTRY::get, REGISTRY.types());
        for (String name : cases().toList()) {
            ConfigException e = assertThrows(ConfigException.class, () -> loader.load(dir.resolve(name)));
            for (ConfigError error : e.errors()) {
                assertTrue(error.toString().matches("/.+\\.(xml|inc|properties):\\d+:\\d+: .+"), error.toString());
            }
        }
    }

    private static Path dir() throws URISyntaxException {
        return Path.of(ConfigErrorsTest.class.getResource("/golden/config-errors").toURI());
    }

    private static Path source() throws IOException {
        return Path.of("src/test/resources/golden/config-errors");
    }
}
