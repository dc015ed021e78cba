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
 *   java -cp 'lib/*' bench/WsLoad.java driver                           # for bench/run.sh (ws-* scenarios)
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
        } else if (args[0].equals("driver")) {
            Driver.main();
        } else {
            load(URI.create(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Integer.parseInt(args[5]));
        }
    }

    static void upstream(String portFile) throws Exception {
        Server server = echoServer();
        server.start();
        java.nio.file.Files.writeString(java.nio.file.Path.of(portFile),
            Integer.toString(((ServerConnector) server.getConnectors()[0]).getLocalPort()));
        server.join();
    }

    /** The echo upstream (not started): one acceptor, one selector, 127.0.0.1, a free port. */
    static Server echoServer() {
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
        return server;
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

    /**
     * The bench/run.sh side of the ws-* scenarios (bench/lib/load.py WsDriver): one JVM on the
     * client's core that is both the echo upstream and the WebSocket client, driven by one command
     * a line on stdin, one answer a line on stdout ({@code OK ...} or {@code ERR ...}):
     * <pre>
     *   open POOL URL N SIZE             N tunnels, each proven by one echo of SIZE bytes
     *   echo POOL URL CONNS SECONDS SIZE CONNS tunnels (opened once) each keep one message in flight
     *   check POOL                       one echo on every tunnel of POOL: alive and dropped counts
     *   close POOL                       closes POOL's tunnels (1000)
     *   quit
     * </pre>
     * The first line out is {@code PORT n}, the echo upstream's port. A tunnel closed by anyone but
     * this driver, an echo that differs from what was sent, or one that does not come is an error.
     */
    static final class Driver {
        static final java.util.Map<String, List<Tunnel>> pools = new java.util.HashMap<>();
        static WebSocketCoreClient client;

        static void main() throws Exception {
            Server echo = echoServer();
            echo.start();
            client = new WebSocketCoreClient();
            QueuedThreadPool threads = new QueuedThreadPool(200, 4);
            threads.setName("ws-driver");
            client.getHttpClient().setExecutor(threads);
            client.getHttpClient().setMaxConnectionsPerDestination(1_000_000);
            client.getHttpClient().setMaxRequestsQueuedPerDestination(1_000_000);
            client.getHttpClient().setIdleTimeout(0);
            client.getHttpClient().setConnectTimeout(30_000);
            // wss to the bench's self-signed certificate (reload-mixed)
            org.eclipse.jetty.util.ssl.SslContextFactory.Client tls = new org.eclipse.jetty.util.ssl.SslContextFactory.Client(true);
            tls.setEndpointIdentificationAlgorithm(null);
            client.getHttpClient().setSslContextFactory(tls);
            client.start();
            System.out.println("PORT " + ((ServerConnector) echo.getConnectors()[0]).getLocalPort());
            System.out.flush();
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] a = line.trim().split("\\s+");
                String answer;
                try {
                    answer = switch (a[0]) {
                        case "open" -> open(a[1], URI.create(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]));
                        case "echo" -> echo(a[1], URI.create(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                            Integer.parseInt(a[5]));
                        case "check" -> check(a[1]);
                        case "close" -> close(a[1]);
                        case "quit" -> null;
                        default -> "ERR unknown command " + a[0];
                    };
                } catch (Throwable x) {
                    answer = "ERR " + x.toString().replace('\n', ' ');
                }
                if (answer == null) {
                    break;
                }
                System.out.println(answer);
                System.out.flush();
            }
            for (String pool : List.copyOf(pools.keySet())) {
                close(pool);
            }
            client.stop();
            echo.stop();
            System.exit(0);
        }

        static List<Tunnel> pool(String name) {
            return pools.computeIfAbsent(name, n -> new ArrayList<>());
        }

        /** Opens n more tunnels in POOL, 200 handshakes at a time; each must echo one message. */
        static String open(String name, URI uri, int n, int size) throws Exception {
            List<Tunnel> pool = pool(name);
            long t0 = System.nanoTime();
            int failed = 0;
            String firstFailure = null;
            byte[] payload = payload(size);
            for (int start = 0; start < n; start += 200) {
                List<Tunnel> batch = new ArrayList<>();
                for (int i = start; i < Math.min(n, start + 200); i++) {
                    Tunnel t = new Tunnel(payload);
                    batch.add(t);
                    client.connect(t, uri).whenComplete((s, x) -> {
                        if (x != null) {
                            t.echo.completeExceptionally(x);
                        }
                    });
                }
                for (Tunnel t : batch) {
                    try {
                        t.echo.get(60, TimeUnit.SECONDS);
                        pool.add(t);
                    } catch (Exception x) {
                        failed++;
                        if (firstFailure == null) {
                            firstFailure = String.valueOf(x.getCause() == null ? x : x.getCause());
                        }
                        t.closeQuietly();
                    }
                }
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            return "OK opened=" + (n - failed) + " failed=" + failed + " ms=" + ms + " pool=" + pool.size()
                + (firstFailure == null ? "" : " first_failure=" + firstFailure.replace(' ', '_'));
        }

        /** CONNS tunnels of POOL each send, wait for the echo, send again, for SECONDS. */
        static String echo(String name, URI uri, int conns, int seconds, int size) throws Exception {
            List<Tunnel> pool = pool(name);
            if (pool.size() < conns) {
                String opened = open(name, uri, conns - pool.size(), size);
                if (pool.size() < conns) {
                    return "ERR could not open " + conns + " tunnels: " + opened;
                }
            }
            byte[] payload = payload(size);
            List<Tunnel> active = pool.subList(0, conns);
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
            for (Tunnel t : active) {
                t.run(payload, deadline);
            }
            int errors = 0;
            String detail = "";
            for (Tunnel t : active) {
                try {
                    t.done.get(seconds + 30L, TimeUnit.SECONDS);
                } catch (Exception x) {
                    errors++;
                    if (detail.isEmpty()) {
                        detail = String.valueOf(x.getCause() == null ? x : x.getCause());
                    }
                }
            }
            long end = System.nanoTime();
            long messages = 0;
            int n = 0;
            for (Tunnel t : active) {
                messages += t.latencyCount;
            }
            long[] all = new long[(int) messages];
            for (Tunnel t : active) {
                System.arraycopy(t.latencies, 0, all, n, t.latencyCount);
                n += t.latencyCount;
                errors += t.errors;
                if (detail.isEmpty() && t.error != null) {
                    detail = t.error;
                }
            }
            java.util.Arrays.sort(all);
            double secs = (end - start) / 1e9;
            return String.format(java.util.Locale.ROOT,
                "OK messages=%d seconds=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d detail=%s",
                messages, secs, messages / secs, percentile(all, 50), percentile(all, 99), errors,
                detail.replace(' ', '_'));
        }

        static double percentile(long[] sortedNanos, int p) {
            if (sortedNanos.length == 0) {
                return Double.NaN;
            }
            int i = Math.max(0, (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1);
            return sortedNanos[i] / 1e6;
        }

        /** One echo on every tunnel of POOL: those closed or silent are dropped. */
        static String check(String name) throws Exception {
            List<Tunnel> pool = pool(name);
            int alive = 0;
            int dropped = 0;
            String first = "";
            for (int start = 0; start < pool.size(); start += 500) {
                List<Tunnel> batch = pool.subList(start, Math.min(pool.size(), start + 500));
                for (Tunnel t : batch) {
                    t.probe();
                }
                for (Tunnel t : batch) {
                    try {
                        t.echo.get(30, TimeUnit.SECONDS);
                        alive++;
                    } catch (Exception x) {
                        dropped++;
                        if (first.isEmpty()) {
                            first = String.valueOf(x.getCause() == null ? x : x.getCause());
                        }
                    }
                }
            }
            return "OK alive=" + alive + " dropped=" + dropped + " detail=" + first.replace(' ', '_');
        }

        static String close(String name) throws Exception {
            List<Tunnel> pool = pools.remove(name);
            if (pool == null) {
                return "OK closed=0";
            }
            for (Tunnel t : pool) {
                t.closing = true;
                t.closeQuietly();
            }
            for (Tunnel t : pool) {
                try {
                    t.closed.get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // counted as closed anyway: the driver is done with it
                }
            }
            return "OK closed=" + pool.size();
        }

        static byte[] payload(int size) {
            byte[] b = new byte[size];
            for (int i = 0; i < size; i++) {
                b[i] = (byte) ('a' + i % 26);
            }
            return b;
        }
    }

    /** A driver tunnel: proves itself with one echo, then echoes on demand or in a timed loop. */
    static final class Tunnel implements FrameHandler {
        volatile CoreSession session;
        volatile CompletableFuture<Void> echo = new CompletableFuture<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        volatile CompletableFuture<Void> done;
        volatile boolean closing;
        volatile String closedHow;
        private byte[] sent;
        private final java.io.ByteArrayOutputStream message = new java.io.ByteArrayOutputStream();
        private long sentAt;
        private long deadline;
        private boolean looping;
        long[] latencies = new long[0];
        int latencyCount;
        int errors;
        String error;

        Tunnel(byte[] first) {
            sent = first;
        }

        public void onOpen(CoreSession s, Callback callback) {
            session = s;
            callback.succeeded();
            s.demand();
            send();
        }

        private void send() {
            sentAt = System.nanoTime();
            session.sendFrame(new Frame(OpCode.BINARY, ByteBuffer.wrap(sent)), Callback.from(() -> { }, this::fail),
                false);
        }

        /** Timed echo loop until deadline; {@link #done} completes after the last echo. */
        void run(byte[] payload, long until) {
            synchronized (this) {
                sent = payload;
                deadline = until;
                looping = true;
                latencyCount = 0;
                errors = 0;
                error = null;
                if (latencies.length == 0) {
                    latencies = new long[4096];
                }
                done = new CompletableFuture<>();
                echo = new CompletableFuture<>();
            }
            if (closedHow != null) {
                fail(new IllegalStateException("tunnel closed before the run: " + closedHow));
                return;
            }
            send();
        }

        /** One echo of the current payload, answered through {@link #echo}. */
        void probe() {
            synchronized (this) {
                looping = false;
                echo = new CompletableFuture<>();
            }
            if (closedHow != null) {
                echo.completeExceptionally(new IllegalStateException("tunnel closed: " + closedHow));
                return;
            }
            send();
        }

        public void onFrame(Frame frame, Callback callback) {
            byte op = frame.getOpCode();
            if (OpCode.isDataFrame(op)) {
                ByteBuffer p = frame.getPayload();
                byte[] chunk = new byte[p.remaining()];
                p.get(chunk);
                message.write(chunk, 0, chunk.length);
                if (frame.isFin()) {
                    byte[] got = message.toByteArray();
                    message.reset();
                    callback.succeeded();
                    onMessage(got);
                } else {
                    callback.succeeded();
                }
                session.demand();
                return;
            }
            callback.succeeded();
            if (op != OpCode.CLOSE) {
                session.demand();
            }
        }

        private void onMessage(byte[] got) {
            long now = System.nanoTime();
            boolean again;
            synchronized (this) {
                if (!java.util.Arrays.equals(got, sent)) {
                    errors++;
                    if (error == null) {
                        error = "echo differs (" + got.length + " bytes for " + sent.length + ")";
                    }
                }
                if (!looping) {
                    echo.complete(null);
                    return;
                }
                if (latencyCount == latencies.length) {
                    latencies = java.util.Arrays.copyOf(latencies, latencies.length * 2);
                }
                latencies[latencyCount++] = now - sentAt;
                again = now - deadline < 0;
                if (!again) {
                    looping = false;
                }
            }
            if (again) {
                send();
            } else {
                done.complete(null);
            }
        }

        private void fail(Throwable x) {
            synchronized (this) {
                errors++;
                if (error == null) {
                    error = x.toString();
                }
                looping = false;
            }
            echo.completeExceptionally(x);
            CompletableFuture<Void> d = done;
            if (d != null) {
                d.complete(null);
            }
        }

        public void onError(Throwable cause, Callback callback) {
            callback.succeeded();
            fail(cause);
        }

        public void onClosed(CloseStatus closeStatus, Callback callback) {
            callback.succeeded();
            closedHow = closeStatus.getCode() + " " + closeStatus.getReason();
            if (!closing) {
                fail(new IllegalStateException("tunnel closed by the other end: " + closedHow));
            }
            closed.complete(null);
        }

        void closeQuietly() {
            CoreSession s = session;
            if (s != null && closedHow == null) {
                s.close(1000, "bench done", Callback.NOOP);
            } else {
                closed.complete(null);
            }
        }
    }
}
