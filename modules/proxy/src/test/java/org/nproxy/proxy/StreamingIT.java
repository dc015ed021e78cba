package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.junit.jupiter.api.Test;

/**
 * Bodies stream through the proxy both ways in constant memory. Proxy, origin and client share
 * this JVM (-Xmx512m), so "flat" is measured on the heap left after each garbage collection: a
 * proxy that buffered the body would keep it alive across collections.
 *
 * <p>Size: {@code -Dnproxy.test.streamBytes=N} (default 1 GiB).
 */
class StreamingIT {
    private static final long SIZE = Long.getLong("nproxy.test.streamBytes", 1L << 30);
    private static final long FLAT = 64L << 20;

    @Test
    void uploadAndDownloadStreamInConstantMemory() throws Exception {
        try (Origin origin = new Origin("a");
             Rig rig = Rig.start(Proxies.config("", List.of(origin.address()), "read-timeout=\"30s\"", "", ""));
             HeapWatch heap = new HeapWatch()) {
            long t0 = System.nanoTime();
            ContentResponse up = rig.client.POST(rig.uri("/upload"))
                .body(new InputStreamRequestContent("application/octet-stream", new Zeros(SIZE), 64 * 1024))
                .timeout(5, TimeUnit.MINUTES)
                .send();
            long t1 = System.nanoTime();
            assertEquals(200, up.getStatus());
            assertEquals(Long.toString(SIZE), up.getContentAsString(), "origin received every byte (chunked upload)");

            InputStreamResponseListener listener = new InputStreamResponseListener();
            rig.client.newRequest(rig.uri("/download?size=" + SIZE)).send(listener);
            Response down = listener.get(30, TimeUnit.SECONDS);
            assertEquals(200, down.getStatus());
            assertEquals(SIZE, down.getHeaders().getLongField("Content-Length"));
            long received = 0;
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = listener.getInputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    received += n;
                }
            }
            long t2 = System.nanoTime();
            assertEquals(SIZE, received);
            long growth = heap.peakAfterGc() - heap.baseline;
            System.out.printf("streamed %d MiB up in %d ms, down in %d ms; retained heap growth %d KiB%n",
                SIZE >> 20, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, growth >> 10);
            assertTrue(growth < FLAT, "heap retained after GC grew by " + (growth >> 20) + " MiB while streaming "
                + (SIZE >> 20) + " MiB each way; bound " + (FLAT >> 20) + " MiB");
        }
    }

    /** Samples the heap in use right after collections (the retained set) every 10 ms. */
    private static final class HeapWatch implements AutoCloseable {
        final long baseline;
        private final AtomicLong peak = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread sampler;

        HeapWatch() {
            System.gc();
            baseline = afterGc();
            peak.set(baseline);
            sampler = Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    peak.accumulateAndGet(afterGc(), Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        long peakAfterGc() {
            peak.accumulateAndGet(afterGc(), Math::max);
            return peak.get();
        }

        private static long afterGc() {
            long used = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                MemoryUsage u = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
                if (u != null) {
                    used += u.getUsed();
                }
            }
            return used;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            sampler.join();
        }
    }
}
