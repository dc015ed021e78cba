package org.nproxy.routing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.nproxy.config.ConfigException;
import org.nproxy.config.ConfigLoader;
import org.nproxy.config.LocationConfig;
import org.nproxy.config.NproxyConfig;
import org.nproxy.server.ModuleRegistry;

/**
 * Issue 18, fuzzing: any {@code <location path>} either loads or is a {@link ConfigException}
 * with a position (never a PatternSyntaxException or worse), and matching any request path
 * against whatever loaded never throws.
 */
class LocationPatternPropertyTest {
    private static final ModuleRegistry REGISTRY = ModuleRegistry.load(List.of());
    static Path dir;

    @BeforeContainer
    static void dir() throws Exception {
        dir = Files.createTempDirectory("nproxy-location-fuzz");
    }

    @AfterContainer
    static void clean() throws Exception {
        Files.deleteIfExists(dir.resolve("nproxy.xml"));
        Files.delete(dir);
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> modifier = Arbitraries.of("", "= ", "^~ ", "~ ", "~* ", "~~ ", "=", "~*");
        Arbitrary<String> body = Arbitraries.strings().withChars("/ab.*+?()[]{}^$\\|~=-09%&").ofMaxLength(24);
        return modifier.flatMap(m -> body.map(b -> m + b));
    }

    @Property(tries = 400)
    void aLocationPathLoadsOrIsAConfigError(@ForAll("paths") String path, @ForAll("requests") List<String> requests)
        throws Exception {
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

    @Provide
    Arbitrary<List<String>> requests() {
        return Arbitraries.strings().withChars("/ab.%-~AB0é").ofMaxLength(20).map(s -> "/" + s).list().ofMaxSize(5);
    }
}
