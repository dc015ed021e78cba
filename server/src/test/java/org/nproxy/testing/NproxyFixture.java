package org.nproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.nproxy.server.ModuleRegistry;
import org.nproxy.server.NproxyServer;

/**
 * Test fixture: a real Nproxy started in-process from a configuration text, on real sockets.
 * Listen on {@code port="0"} and ask {@link #port()} / {@link #uri(String)} where it landed.
 *
 * <pre>{@code
 * try (NproxyFixture nproxy = NproxyFixture.start("""
 *         <nproxy><server><listen host="127.0.0.1" port="0"/>
 *           <location path="/"><return body="hi"/></location></server></nproxy>""")) {
 *     client.GET(nproxy.uri("/"));
 * }
 * }</pre>
 * The instance directory (base) is a fresh temporary directory holding {@code etc/nproxy.xml};
 * write more files there with {@link #base()} before or after start ({@link #reload()}).
 */
public final class NproxyFixture implements AutoCloseable {
    private final Path base;
    private final NproxyServer server;

    private NproxyFixture(Path base, NproxyServer server) {
        this.base = base;
        this.server = server;
    }

    /** A port free on 127.0.0.1 right now, for configs that need two listeners on one address. */
    public static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static NproxyFixture start(String configXml) throws Exception {
        Path base = Files.createTempDirectory("nproxy-test");
        return start(base, configXml);
    }

    /** Starts a server with {@code base/etc/nproxy.xml} = configXml. */
    public static NproxyFixture start(Path base, String configXml) throws Exception {
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/nproxy.xml"), configXml);
        NproxyServer server = new NproxyServer(base, base.resolve("etc/nproxy.xml"),
            ModuleRegistry.load(List.of(base.resolve("lib/ext"))));
        server.start();
        return new NproxyFixture(base, server);
    }

    public Path base() {
        return base;
    }

    public NproxyServer server() {
        return server;
    }

    /** Port of the first listener. */
    public int port() {
        return server.port();
    }

    public URI uri(String pathQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathQuery);
    }

    /** Replaces etc/nproxy.xml and reloads. */
    public NproxyServer.ReloadResult reload(String configXml) {
        try {
            Files.writeString(base.resolve("etc/nproxy.xml"), configXml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return server.reload();
    }

    /** Writes a file under the base directory (parents created). */
    public Path write(String relative, String content) throws IOException {
        Path p = base.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
