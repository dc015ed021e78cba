package org.nproxy.testing;

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

import org.nproxy.config.ConfigError;
import org.nproxy.config.ConfigException;
import org.nproxy.config.ConfigLoader;
import org.nproxy.server.ModuleRegistry;

/**
 * Golden error messages: every {@code golden/config-errors/NAME.xml} on the test class path must
 * fail with exactly the lines in {@code NAME.errors} (paths shown relative to that directory),
 * loaded with the modules on the class path. Regenerate after a deliberate wording change with
 * {@code -Dgolden.update=true}, then read the diff.
 */
public final class GoldenErrors {
    private static final ModuleRegistry REGISTRY = ModuleRegistry.load(List.of());

    private GoldenErrors() {
    }

    /** The case names (files ending in .xml) of the golden directory. */
    public static Stream<String> cases(Class<?> test) throws Exception {
        try (Stream<Path> files = Files.list(dir(test))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".xml")).sorted().toList().stream();
        }
    }

    /** Loads one case and compares its errors with the golden file. */
    public static void check(Class<?> test, String name) throws Exception {
        Path dir = dir(test);
        ConfigLoader loader = new ConfigLoader(dir, REGISTRY);
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(dir.resolve(name)));
        String actual = e.errors().stream().map(ConfigError::toString)
            .map(s -> s.replace(dir.toString() + "/", ""))
            .collect(Collectors.joining("\n")) + "\n";
        Path golden = Path.of("src/test/resources/golden/config-errors").resolve(name.replace(".xml", ".errors"));
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(golden, actual);
        }
        assertTrue(Files.exists(golden), "missing golden file " + golden + " (run with -Dgolden.update=true)");
        assertEquals(Files.readString(golden), actual, name);
        for (ConfigError error : e.errors()) {
            assertTrue(error.toString().matches("/.+\\.(xml|inc|properties):\\d+:\\d+: .+"),
                "every error names file, line and column: " + error);
        }
    }

    private static Path dir(Class<?> test) throws URISyntaxException, IOException {
        return Path.of(test.getResource("/golden/config-errors").toURI());
    }
}
