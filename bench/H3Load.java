import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http3.client.HTTP3Client;
import org.eclipse.jetty.http3.client.transport.HttpClientTransportOverHTTP3;
import org.eclipse.jetty.http3.server.HTTP3ServerConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.quic.client.ClientQuicConfiguration;
import org.eclipse.jetty.quic.server.QuicServerConnector;
import org.eclipse.jetty.quic.server.ServerQuicConfiguration;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * HTTP/3 (and, for comparison, HTTP/2 over TLS) load on Jetty's own clients, for bench/h3-load.sh
 * and the {@code h3} scenarios of bench/run.sh: no Debian client speaks QUIC. Run as a single-file
 * program on lib/ plus Jetty's HTTP/3 and HTTP/2 client jars (bench/h3-load.sh finds them):
 * <pre>
 *   java -cp CP bench/H3Load.java seq  PROTO URL COUNT                  # sequential latency
 *   java -cp CP bench/H3Load.java load PROTO URL CONNS STREAMS SECONDS  # throughput
 *   java -cp CP bench/H3Load.java server KEYSTORE PORTFILE SIZE        # plain Jetty HTTP/3, for comparison
 * </pre>
 * PROTO is {@code h3} or {@code h2}. {@code seq} warms up (2 s, {@code -Dh3load.warmup.ms}), then
 * sends COUNT GETs one after the other on one connection and prints the latency percentiles and
 * this process's CPU per request ({@code -Dh3load.histogram=true}: the whole distribution;
 * {@code -Dh3load.trace=true}: each warm-up request). {@code load} opens CONNS connections (one
 * client each), keeps STREAMS requests in flight on each, loads 3 s unmeasured (this JVM's JIT,
 * {@code -Dh3load.warmup.ms}), then measures SECONDS; {@code all_requests} counts every answered
 * request, warm-up included (what the server's CPU and access log saw). Both print one line
 * starting with {@code RESULT}; the certificate is not checked (loopback only). {@code server}
 * runs a plain Jetty 12 HTTP/3 connector ({@code -Dh3load.virtual=true}: on virtual threads, as
 * Nproxy) with a trivial handler: the baseline that tells Jetty's costs from Nproxy's.
 */
public class H3Load {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "seq" -> seq(args[1], URI.create(args[2]), Integer.parseInt(args[3]));
            case "load" -> load(args[1], URI.create(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Integer.parseInt(args[5]));
            case "server" -> server(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("seq, load or server, not " + args[0]);
        }
    }

    static HttpClient client(String proto, QueuedThreadPool threads) throws Exception {
        SslContextFactory.Client tls = new SslContextFactory.Client(true);
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        HttpClientTransport transport = switch (proto) {
            case "h3" -> {
                Path pem = Files.createTempDirectory("h3load");
                pem.toFile().deleteOnExit();
                yield new HttpClientTransportOverHTTP3(new HTTP3Client(new ClientQuicConfiguration(tls, pem), connector));
            }
            case "h2" -> new HttpClientTransportOverHTTP2(new HTTP2Client(connector));
            default -> throw new IllegalArgumentException("h3 or h2, not " + proto);
        };
        HttpClient client = new HttpClient(transport);
        client.setMaxConnectionsPerDestination(1);
        client.setFollowRedirects(false);
        if (threads != null) {
            client.setExecutor(threads);
        }
        client.start();
        return client;
    }

    static long get(HttpClient client, URI uri) throws Exception {
        long start = System.nanoTime();
        ContentResponse response = client.newRequest(uri).timeout(10, TimeUnit.SECONDS).send();
        long took = System.nanoTime() - start;
        if (response.getStatus() != 200) {
            throw new IllegalStateException(uri + ": status " + response.getStatus());
        }
        return took;
    }

    static void seq(String proto, URI uri, int count) throws Exception {
        HttpClient client = client(proto, null);
        try {
            // Warm-up: the handshake, class loading and the JIT, not measured.
            long warm = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Long.getLong("h3load.warmup.ms", 2000));
            int warmed = 0;
            boolean trace = Boolean.getBoolean("h3load.trace");
            while (warmed < 20 || (System.nanoTime() < warm && warmed < 2000)) {
                try {
                    long took = get(client, uri);
                    if (trace) {
                        System.out.printf("warm-up %d: %.1f ms%n", warmed + 1, took / 1e6);
                    }
                } catch (Exception x) {
                    throw new IllegalStateException("request " + (warmed + 1) + " failed", x);
                }
                warmed++;
            }
            Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            long cpu0 = processCpuNanos();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                try {
                    histogram.recordValue(get(client, uri));
                } catch (Exception x) {
                    throw new IllegalStateException("request " + (warmed + i + 1) + " failed", x);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpu = processCpuNanos() - cpu0;
            System.out.printf("RESULT seq proto=%s requests=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f req_s=%.1f"
                    + " client_cpu_us=%.0f warmup=%d%n",
                proto, count, ms(histogram, 50), ms(histogram, 90), ms(histogram, 99), histogram.getMaxValue() / 1e6,
                count / seconds, cpu / 1e3 / count, warmed);
            if (Boolean.getBoolean("h3load.histogram")) {
                histogram.outputPercentileDistribution(System.out, 1, 1e6);
            }
        } finally {
            client.stop();
        }
    }

    /** CPU time of this whole process (every thread, JIT and GC included). */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
            .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static double ms(Histogram histogram, double percentile) {
        return histogram.getValueAtPercentile(percentile) / 1e6;
    }

    static void load(String proto, URI uri, int conns, int streams, int seconds) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(16, conns * 4));
        threads.setName("h3load");
        threads.start();
        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            HttpClient client = client(proto, threads);
            get(client, uri); // opens the connection before the clock starts
            clients.add(client);
        }
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(conns * streams);
        for (HttpClient client : clients) {
            for (int s = 0; s < streams; s++) {
                send(client, uri, recorder, ok, errors, bytes, running, done);
            }
        }
        // The client's own JIT warm-up (a fresh JVM each round): loaded, not measured.
        Thread.sleep(Long.getLong("h3load.warmup.ms", 3000));
        recorder.getIntervalHistogram();
        long ok0 = ok.get();
        long errors0 = errors.get();
        long bytes0 = bytes.get();
        long start = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        Histogram histogram = recorder.getIntervalHistogram();
        long finished = ok.get() - ok0;
        long failed = errors.get() - errors0;
        double elapsed = (System.nanoTime() - start) / 1e9;
        double mb = (bytes.get() - bytes0) / elapsed / 1e6;
        running.set(false);
        done.await(15, TimeUnit.SECONDS);
        System.out.printf("RESULT load proto=%s conns=%d streams=%d seconds=%.1f requests=%d errors=%d req_s=%.1f"
                + " p50_ms=%.3f p99_ms=%.3f MB_s=%.1f all_requests=%d%n",
            proto, conns, streams, elapsed, finished, failed, finished / elapsed, ms(histogram, 50),
            ms(histogram, 99), mb, ok.get() + conns);
        for (HttpClient client : clients) {
            client.stop();
        }
        threads.stop();
    }

    /** One in-flight request that sends the next one when it completes, until the time is up. */
    static void send(HttpClient client, URI uri, Recorder recorder, AtomicLong ok, AtomicLong errors, AtomicLong bytes,
                     AtomicBoolean running, CountDownLatch done) {
        if (!running.get()) {
            done.countDown();
            return;
        }
        long begin = System.nanoTime();
        AtomicLong length = new AtomicLong();
        client.newRequest(uri).timeout(10, TimeUnit.SECONDS)
            .onResponseContent((response, content) -> length.addAndGet(content.remaining()))
            .send(result -> {
                if (result.isSucceeded() && result.getResponse().getStatus() == 200) {
                    recorder.recordValue(System.nanoTime() - begin);
                    ok.incrementAndGet();
                    bytes.addAndGet(length.get());
                } else {
                    errors.incrementAndGet();
                }
                send(client, uri, recorder, ok, errors, bytes, running, done);
            });
    }

    /** A plain Jetty HTTP/3 server answering SIZE bytes to everything: the baseline without Nproxy. */
    static void server(Path keyStore, Path portFile, int size) throws Exception {
        org.eclipse.jetty.util.thread.ThreadPool threads = Boolean.getBoolean("h3load.virtual")
            ? new org.eclipse.jetty.util.thread.VirtualThreadPool() : new QueuedThreadPool();
        Server server = new Server(threads);
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(keyStore.toString());
        tls.setKeyStorePassword("nproxy");
        Path pem = Files.createTempDirectory("h3server");
        ServerQuicConfiguration quic = new ServerQuicConfiguration(tls, pem);
        QuicServerConnector connector = new QuicServerConnector(server, quic,
            new HTTP3ServerConnectionFactory(quic, new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        byte[] body = new byte[size];
        java.util.Arrays.fill(body, (byte) 'x');
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "text/plain");
                response.getHeaders().put("Content-Length", body.length);
                response.write(true, ByteBuffer.wrap(body), callback);
                return true;
            }
        });
        server.start();
        Files.writeString(portFile, Integer.toString(connector.getLocalPort()));
        server.join();
    }
}
