package org.nproxy.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.net.ssl.SSLSocket;

import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.nproxy.server.ModuleRegistry;
import org.nproxy.server.NproxyServer;

/**
 * The workload of the JVM's AOT cache training run ({@code nproxy.sh} runs it in the background,
 * under {@code -XX:AOTCacheOutput}, the first time a JDK and {@code lib/} content are seen): the
 * classes and method profiles of what every start does, so that later starts get them from the
 * cache instead of loading, linking and interpreting them (JEP 483, 514, 515).
 *
 * <p>It checks the operator's configuration (the modules it uses, its TLS material), then starts
 * a small server of its own in a temporary base on 127.0.0.1 port 0: cleartext and TLS listeners
 * (HTTP/1.1, h2, an h3 UDP listener), {@code return}, {@code static} and {@code proxy}, answers a
 * few requests, stops and deletes its files. It never binds the configured ports, never writes the
 * operator's logs, pid or status files, and never opens a cache zone's directory (a running server
 * may hold its lock): it can run beside the server it trains for.
 */
public final class AotTraining {
    private AotTraining() {
    }

    /** Returns 0 when the workload ran; training failures are reported, and the cache is then not kept. */
    public static int run(Path base, Path configFile, List<Path> extDirs, PrintStream out, PrintStream err) {
        ModuleRegistry registry = ModuleRegistry.load(extDirs);
        try {
            NproxyServer.check(base, configFile, registry);
        } catch (Exception e) {
            // A config that does not pass check still trains the rest: its errors are the operator's to read.
            err.println("nproxy aot-train: " + configFile + " does not pass check (" + e.getMessage() + "); training on the built-in site only");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("nproxy-aot-train");
            Files.createDirectories(dir.resolve("html"));
            Files.writeString(dir.resolve("html/index.html"), "<html><body>training</body></html>\n");
            int plain = freePort();
            int origin = freePort();
            Path config = dir.resolve("train.xml");
            Files.writeString(config, config(plain, origin));
            NproxyServer server = new NproxyServer(dir, config, registry);
            server.start();
            try {
                int tls = server.probeAddresses().stream().mapToInt(a -> Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)))
                    .filter(p -> p != plain && p != origin).findFirst().orElse(-1);
                for (int i = 0; i < 20; i++) {
                    get(plain, false, "/ping");
                    get(plain, false, "/");
                    get(plain, false, "/proxied/ping");
                    if (tls > 0) {
                        get(tls, true, "/ping");
                    }
                }
            } finally {
                server.stop();
            }
            out.println("nproxy aot-train: done");
            return 0;
        } catch (Exception e) {
            err.println("nproxy aot-train: failed: " + e);
            return 1;
        } finally {
            delete(dir);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static String config(int plain, int origin) {
        return """
            <nproxy shutdown-timeout="1s" drain-timeout="1s">
              <access-log path="logs/access.log" format="combined"/>
              <upstream name="origin"><peer address="127.0.0.1:%d"/></upstream>
              <server names="origin.invalid">
                <listen host="127.0.0.1" port="%d"/>
                <location path="/"><return status="200" body="from the origin"/></location>
              </server>
              <server names="localhost" default="true">
                <listen host="127.0.0.1" port="%d"/>
                <listen host="127.0.0.1" port="0" tls="true" protocols="h3 h2 http/1.1"/>
                <tls self-signed="var/tls/self-signed.p12"/>
                <location path="= /ping"><return status="200" body="pong"/></location>
                <location path="= /ready"><ready/></location>
                <location path="^~ /proxied/"><proxy upstream="origin"/></location>
                <location path="/"><static root="html" index="index.html"/></location>
              </server>
            </nproxy>
            """.formatted(origin, origin, plain);
    }

    /** One HTTP/1.1 request on a fresh connection; the answer is read to its end and dropped. */
    private static void get(int port, boolean tls, String path) throws Exception {
        try (Socket socket = tls ? tlsSocket(port) : new Socket()) {
            if (!tls) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            }
            socket.setSoTimeout(5000);
            OutputStream o = socket.getOutputStream();
            o.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            while (in.read(buffer) >= 0) {
                // drained
            }
        }
    }

    private static Socket tlsSocket(int port) throws Exception {
        // The training server's own throw-away self-signed certificate: nothing to verify.
        SslContextFactory.Client tls = new SslContextFactory.Client(true);
        tls.start();
        try {
            SSLSocket socket = (SSLSocket) tls.getSslContext().getSocketFactory().createSocket("127.0.0.1", port);
            socket.startHandshake();
            return socket;
        } finally {
            tls.stop();
        }
    }

    private static void delete(Path dir) {
        if (dir != null) {
            IO.delete(dir.toFile()); // a temp dir left behind if it fails
        }
    }
}
