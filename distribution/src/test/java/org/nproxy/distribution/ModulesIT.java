package org.nproxy.distribution;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.server.ModuleRegistry;
import org.nproxy.server.NproxyServer;

/**
 * A third-party jar in {@code lib/ext/} has the powers of a built-in module: the example module
 * adds a top-level element ({@code <greeting>}), a handler reading it ({@code <echo greeting>})
 * and a balancer ({@code balance="first"}), picked up by {@code reload} without a restart; a
 * replaced jar's code answers after the next reload, and the old jar's class loader is collected
 * once its generation has drained.
 */
class ModulesIT {
    private static final HttpClient CLIENT = new HttpClient();
    private static final Path EXAMPLE_JAR = Path.of(System.getProperty("nproxy.example.jar"));

    @BeforeAll
    static void startClient() throws Exception {
        assertTrue(Files.isRegularFile(EXAMPLE_JAR), "example module jar " + EXAMPLE_JAR);
        CLIENT.start();
    }

    @AfterAll
    static void stopClient() throws Exception {
        CLIENT.stop();
    }

    private static String config(int port, int a, int b, String greeting, boolean withModule) {
        String module = withModule ? """
              <greeting name="hi" text="%s"/>
              <upstream name="pair" balance="first">
                <peer address="127.0.0.1:%d"/>
                <peer address="127.0.0.1:%d"/>
              </upstream>
            """.formatted(greeting, a, b) : "";
        String locations = withModule ? """
                <location path="/greet"><echo greeting="hi"/></location>
                <location path="/pair"><proxy upstream="pair"/></location>
            """ : "";
        return """
            <nproxy drain-timeout="2s">
            %s
              <server>
                <listen host="127.0.0.1" port="%d"/>
            %s
                <location path="= /ping"><return status="200" body="pong"/></location>
              </server>
              <server><listen host="127.0.0.1" port="%d"/><location path="/"><return status="200" body="A"/></location></server>
              <server><listen host="127.0.0.1" port="%d"/><location path="/"><return status="200" body="B"/></location></server>
            </nproxy>
            """.formatted(module, port, locations, a, b);
    }

    @Test
    void aJarDroppedIntoLibExtAddsAnElementAHandlerAndABalancerOnReload() throws Exception {
        Install install = Install.unpack("modules-it/drop-in");
        Path home = install.home;
        int port = Install.freePort();
        int a = Install.freePort();
        int b = Install.freePort();
        Path etc = home.resolve("etc/nproxy.xml");
        Files.writeString(etc, config(port, a, b, "hello", false));
        try {
            Install.Result started = install.nproxy("start");
            assertEquals(0, started.code(), started.out());
            assertEquals("pong", get(port, "/ping").getContentAsString());

            Files.writeString(etc, config(port, a, b, "hello", true));
            Install.Result without = install.nproxy("check");
            assertEquals(1, without.code(), without.out());
            assertTrue(without.out().contains("unknown element <greeting> inside <nproxy>"), without.out());
            assertTrue(without.out().contains("unknown value balance=\"first\""), without.out());

            Files.copy(EXAMPLE_JAR, home.resolve("lib/ext/example.jar"));
            Install.Result reload = install.nproxy("reload");
            assertEquals(0, reload.code(), reload.out());
            ContentResponse greet = get(port, "/greet");
            assertEquals(200, greet.getStatus());
            assertTrue(greet.getContentAsString().startsWith("hello\n"), greet.getContentAsString());
            for (int i = 0; i < 10; i++) {
                assertEquals("A", get(port, "/pair").getContentAsString(), "balance=first always takes the first peer");
            }

            Files.writeString(etc, config(port, a, b, "bonjour", true));
            assertEquals(0, install.nproxy("reload").code());
            assertTrue(get(port, "/greet").getContentAsString().startsWith("bonjour\n"));
            assertEquals("1", get(port, "/greet").getHeaders().get("X-Echo-Build"));

            // A replaced jar: its new code answers after the next reload.
            Path rebuilt = Files.createTempFile("example", ".jar");
            withBuild(EXAMPLE_JAR, rebuilt, "2");
            Files.move(rebuilt, home.resolve("lib/ext/example.jar"), StandardCopyOption.REPLACE_EXISTING);
            assertEquals(0, install.nproxy("reload").code());
            assertEquals("2", get(port, "/greet").getHeaders().get("X-Echo-Build"));
            assertTrue(get(port, "/greet").getContentAsString().startsWith("bonjour\n"));
        } finally {
            install.nproxy("stop");
        }
    }

    @Test
    void theOldJarsClassLoaderIsCollectedAfterItsGenerationDrained() throws Exception {
        Path base = Files.createTempDirectory("nproxy-modules");
        Files.createDirectories(base.resolve("lib/ext"));
        Files.createDirectories(base.resolve("etc"));
        Files.copy(EXAMPLE_JAR, base.resolve("lib/ext/example.jar"));
        int port = Install.freePort();
        Path etc = base.resolve("etc/nproxy.xml");
        Files.writeString(etc, config(port, Install.freePort(), Install.freePort(), "hello", true));
        NproxyServer server = new NproxyServer(base, etc, List.of(base.resolve("lib/ext")));
        server.start();
        // A client of its own, stopped before the collection: a kept-alive connection remembers
        // the last request it carried (and so that request's generation) until the next one.
        HttpClient client = new HttpClient();
        client.start();
        try {
            assertEquals("1", client.GET("http://127.0.0.1:" + port + "/greet").getHeaders().get("X-Echo-Build"));
            WeakReference<ClassLoader> old = new WeakReference<>(loader(server));

            Path rebuilt = base.resolve("example.jar.new");
            withBuild(EXAMPLE_JAR, rebuilt, "2");
            Files.move(rebuilt, base.resolve("lib/ext/example.jar"), StandardCopyOption.REPLACE_EXISTING);
            assertTrue(server.reload().ok());
            assertEquals("2", client.GET("http://127.0.0.1:" + port + "/greet").getHeaders().get("X-Echo-Build"));
            assertEquals("A", client.GET("http://127.0.0.1:" + port + "/pair").getContentAsString());
            assertNotSame(old.get(), loader(server), "a new class loader for the replaced jar");
            client.stop();

            await("the replaced jar's class loader is collected after the drain").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    System.gc();
                    return old.get() == null;
                });
        } finally {
            client.stop();
            server.stop();
        }
    }

    /** The lib/ext class loader of the newest registry the server holds. */
    private static ClassLoader loader(NproxyServer server) {
        ClassLoader newest = null;
        for (Object o : server.sharedResources().values()) {
            if (o instanceof ModuleRegistry r && r.classLoader() != ModulesIT.class.getClassLoader()) {
                newest = r.classLoader();
            }
        }
        return newest;
    }

    /** A copy of the example jar whose {@code example.properties} says {@code build=N}. */
    private static void withBuild(Path jar, Path copy, String build) throws IOException {
        Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
        try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + copy.toUri()), Map.of())) {
            Files.writeString(zip.getPath("org/nproxy/example/example.properties"), "build=" + build + "\n");
        }
    }

    private static ContentResponse get(int port, String path) throws Exception {
        return CLIENT.newRequest("http://127.0.0.1:" + port + path).timeout(30, TimeUnit.SECONDS).send();
    }
}
