package org.nproxy.routing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.config.ConfigException;
import org.nproxy.config.ConfigLoader;
import org.nproxy.config.LocationConfig;
import org.nproxy.config.NproxyConfig;
import org.nproxy.server.ModuleRegistry;
import org.nproxy.testing.Gen;

/**
 * Issue 18, fuzzing: any {@code <location path>} either loads or is a {@link ConfigException}
 * with a position (never a PatternSyntaxException or worse), and matching any request path
 * against whatever loaded never throws.
 */
class LocationPatternPropertyTest {
    private static final ModuleRegistry REGISTRY = ModuleRegistry.load(List.of());
    static Path dir;

    @BeforeAll
    static void dir() throws Exception {
        dir = Files.createTempDirectory("nproxy-location-fuzz");
    }

    @AfterAll
    static void clean() throws Exception {
        Files.deleteIfExists(dir.resolve("nproxy.xml"));
        Files.delete(dir);
    }

    static String path(Gen g) {
        return g.oneOf("", "= ", "^~ ", "~ ", "~* ", "~~ ", "=", "~*") + g.string("/ab.*+?()[]{}^$\\|~=-09%&", 0, 24);
    }

    static List<String> requests(Gen g) {
        List<String> requests = new ArrayList<>();
        int n = g.intBetween(0, 5);
        for (int i = 0; i < n; i++) {
            requests.add("/" + g.string("/ab.%-~AB0é", 0, 20));
        }
        return requests;
    }

    @Test
    void aLocationPathLoadsOrIsAConfigError() {
        Gen.forAll(18_301, 400, g -> check(path(g), requests(g)));
    }

    private static void check(String path, List<String> requests) throws Exception {
        String attr = path.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
        Files.writeString(dir.resolve("nproxy.xml"), """
            <nproxy><server><listen host="127.0.0.1" port="0"/>
              <location path="%s"><return body="x"/></location>
              <location path="/"><return body="y"/></location>
            </server></nproxy>""".formatted(attr));
        NproxyConfig config;
        try {
            config = new ConfigLoader(dir, REGISTRY).load(dir.resolve("nproxy.xml"));
        } catch (ConfigException expected) {
            if (expected.errors().isEmpty() || expected.errors().get(0).origin() == null) {
                throw new AssertionError("an error without a position for " + path, expected);
            }
            return;
        }
        List<LocationConfig> locations = new ArrayList<>(config.servers().get(0).locations());
        Locations<LocationConfig> matcher = new Locations<>(locations, c -> c);
        for (String request : requests) {
            matcher.match(request);
        }
    }
}
