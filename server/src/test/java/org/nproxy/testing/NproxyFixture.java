package org.nproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

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

    /** How many times a configuration with chosen port numbers is tried before the failure stands. */
    private static final int PORT_TRIES = 3;

    /** A port free on 127.0.0.1 right now; another process may take it before we bind it. */
    public static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts on a configuration that needs port numbers of its own, where port 0 cannot do (one
     * listener shared by two server blocks, a second listener on the same address): picks
     * {@code count} free ports, hands them to {@code config}, and picks again when another process
     * took one before the server could bind it. Elsewhere listen on port 0 and ask {@link #port}.
     */
    public static NproxyFixture startOnFreePorts(Path base, int count, Function<int[], String> config)
        throws Exception {
        for (int attempt = 1; ; attempt++) {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ports[i] = freePort();
            }
            try {
                return start(base, config.apply(ports));
            } catch (Exception e) {
                if (attempt == PORT_TRIES || !bindFailure(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Reloads a configuration that adds a listener on a port number of its own: picks a free port
     * for {@code config}, and picks again when the reload fails to open it (taken meanwhile).
     *
     * @return the port the added listener has, and the reload's result
     */
    public PortReload reloadOnFreePort(IntFunction<String> config) {
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            NproxyServer.ReloadResult result = reload(config.apply(port));
            if (result.ok() || attempt == PORT_TRIES || !result.message().contains("cannot open listener")) {
                return new PortReload(port, result);
            }
        }
    }

    /** What {@link #reloadOnFreePort} did. */
    public record PortReload(int port, NproxyServer.ReloadResult result) {
    }

    private static boolean bindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    /** Starts a server on this configuration in a new temporary base directory. */
    public static NproxyFixture start(String configXml) throws Exception {
        Path base = Files.createTempDirectory("nproxy-test");
        return start(base, configXml);
    }

    /** Starts a server with {@code base/etc/nproxy.xml} = configXml. */
    public static NproxyFixture start(Path base, String configXml) throws Exception {
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/nproxy.xml"), configXml);
        // As bin/nproxy.sh runs it: base/lib/ext/ is read again at every reload.
        NproxyServer server = new NproxyServer(base, base.resolve("etc/nproxy.xml"), List.of(base.resolve("lib/ext")));
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
