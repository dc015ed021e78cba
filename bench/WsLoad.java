import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;

/**
 * WebSocket load for bench/ws-load.sh, run as a single-file program on the jars of lib/:
 * <pre>
 *   java -cp 'lib/*' bench/WsLoad.java upstream PORTFILE          # an echo upstream on 127.0.0.1
 *   java -cp 'lib/*' bench/WsLoad.java load URI IDLE ACTIVE SECONDS SIZE
 * </pre>
 * {@code load} opens IDLE tunnels that each echo one message and then stay open, then ACTIVE
 * tunnels that each keep one SIZE-byte text message in flight (send, wait for the echo, send
 * again) for SECONDS, and prints the echoes per second. Everything stays open until stdin closes
 * or a line is read, so the script can measure the proxy with every tunnel still open.
 */
public class WsLoad {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("upstream")) {
            upstream(args[1]);
        } else {
            load(URI.create(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Integer.parseInt(args[5]));
        }
    }

    static void upstream(String portFile) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setAcceptQueueSize(4096);
        connector.setIdleTimeout(600_000);
        server.addConnector(connector);
        WebSocketUpgradeHandler ws = new WebSocketUpgradeHandler();
        ws.addMapping("/*", (request, response, callback) -> new Echo());
        ws.getConfiguration().setIdleTimeout(Duration.ofMinutes(10));
        server.setHandler(ws);
        server.start();
        java.nio.file.Files.writeString(java.nio.file.Path.of(portFile), Integer.toString(connector.getLocalPort()));
        server.join();
    }

    /** Echoes every data frame as it comes. */
    static final class Echo implements FrameHandler {
        private CoreSession session;

        public void onOpen(CoreSession s, Callback callback) {
            session = s;
            callback.succeeded();
            s.demand();
        }

        public void onFrame(Frame frame, Callback callback) {
            if (OpCode.isDataFrame(frame.getOpCode())) {
                session.sendFrame(new Frame(frame.getOpCode(), frame.isFin(), frame.getPayload()),
                    Callback.from(() -> {
                        callback.succeeded();
                        session.demand();
                    }, callback::failed), false);
            } else {
                callback.succeeded();
                if (frame.getOpCode() != OpCode.CLOSE) {
                    session.demand();
                }
            }
        }

        public void onError(Throwable cause, Callback callback) {
            callback.succeeded();
        }

        public void onClosed(CloseStatus closeStatus, Callback callback) {
            callback.succeeded();
        }
    }

    static final AtomicLong echoes = new AtomicLong();
    static final AtomicBoolean running = new AtomicBoolean(true);

    /** A client tunnel: sends {@code payload}, and on each echo sends again while active. */
    static final class Client implements FrameHandler {
        final String payload;
        final boolean active;
        final CompletableFuture<Void> firstEcho = new CompletableFuture<>();
        CoreSession session;

        Client(String payload, boolean active) {
            this.payload = payload;
            this.active = active;
        }

        public void onOpen(CoreSession s, Callback callback) {
            session = s;
            callback.succeeded();
            s.demand();
            send();
        }

        void send() {
            session.sendFrame(new Frame(OpCode.TEXT, payload), Callback.NOOP, false);
        }

        public void onFrame(Frame frame, Callback callback) {
            callback.succeeded();
            if (frame.getOpCode() == OpCode.TEXT) {
                firstEcho.complete(null);
                if (active && running.get()) {
                    echoes.incrementAndGet();
                    send();
                }
            }
            if (frame.getOpCode() != OpCode.CLOSE) {
                session.demand();
            }
        }

        public void onError(Throwable cause, Callback callback) {
            firstEcho.completeExceptionally(cause);
            callback.succeeded();
        }

        public void onClosed(CloseStatus closeStatus, Callback callback) {
            callback.succeeded();
        }
    }

    static List<Client> open(WebSocketCoreClient client, URI uri, int n, boolean active, String payload) throws Exception {
        List<Client> out = new ArrayList<>(n);
        int batch = 100;
        for (int start = 0; start < n; start += batch) {
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int i = start; i < Math.min(n, start + batch); i++) {
                Client c = new Client(payload, active);
                out.add(c);
                client.connect(c, uri);
                pending.add(c.firstEcho);
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
        return out;
    }

    static void load(URI uri, int idle, int active, int seconds, int size) throws Exception {
        WebSocketCoreClient client = new WebSocketCoreClient();
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        client.getHttpClient().setExecutor(threads);
        client.getHttpClient().setMaxConnectionsPerDestination(100_000);
        client.getHttpClient().setMaxRequestsQueuedPerDestination(100_000);
        client.getHttpClient().setIdleTimeout(600_000);
        client.start();
        String payload = "x".repeat(size);
        long t0 = System.nanoTime();
        List<Client> idles = open(client, uri, idle, false, payload);
        System.out.printf("opened %d idle tunnels in %d ms%n", idles.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        List<Client> actives = open(client, uri, active, true, payload);
        System.out.printf("opened %d active tunnels%n", actives.size());
        long before = echoes.get();
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long done = echoes.get() - before;
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("RESULT echoes=%d seconds=%.1f echoes_per_s=%.0f messages_relayed_per_s=%.0f%n",
            done, secs, done / secs, 2 * done / secs);
        running.set(false);
        System.out.println("READY (all tunnels open; send a line on stdin to close them)");
        System.out.flush();
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        for (Client c : idles) {
            c.session.close(1000, "bench done", Callback.NOOP);
        }
        for (Client c : actives) {
            c.session.close(1000, "bench done", Callback.NOOP);
        }
        Thread.sleep(2000);
        client.stop();
        System.exit(0);
    }
}
