package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

/**
 * Which thread answers a {@code <cache>} before a {@code <proxy>}: a hit from memory on the
 * thread that parsed the request (the {@code <thread-probe/>} before the cache sees the selector
 * on its stack, at the call and at completion), everything else on a virtual thread, and the
 * answers the same either way. A hit racing with PURGE and with evictions never sends a body
 * other than the one its fields describe.
 */
class CacheInPlaceIT {
    private static final AtomicInteger IDS = new AtomicInteger();

    private static String config(int originPort, String zone) {
        return """
            <nproxy>
              %s
              <upstream name="app"><peer address="127.0.0.1:%d"/></upstream>
              <server>
                <listen host="127.0.0.1" port="0"/>
                <location path="/">
                  <thread-probe/><cache zone="pages" purge-from="127.0.0.1/32 ::1/128"/><proxy upstream="app"/>
                </location>
              </server>
            </nproxy>
            """.formatted(zone, originPort);
    }

    private static final String DISK_ZONE =
        "<cache-zone name=\"pages\" heap=\"4m\" off-heap=\"8m\" disk=\"32m\" dir=\"var/cache/pages\" max-object=\"1m\"/>";

    /** Sends with a fresh X-Probe id; the answer and what the probe saw. */
    private record Probed(ContentResponse response, ThreadProbeFactory.Seen seen) {
        boolean inPlace() {
            return seen.inPlace();
        }
    }

    private static Probed probe(CacheRig rig, String method, String path, String... headers) throws Exception {
        String id = "p" + IDS.incrementAndGet();
        var request = rig.client.newRequest(rig.uri(path)).method(method).headers(h -> h.put("X-Probe", id))
            .timeout(20, java.util.concurrent.TimeUnit.SECONDS);
        for (int i = 0; i < headers.length; i += 2) {
            String name = headers[i];
            String value = headers[i + 1];
            request.headers(h -> h.put(name, value));
        }
        ContentResponse response = request.send();
        ThreadProbeFactory.Seen seen = Awaitility.await().atMost(Duration.ofSeconds(10))
            .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
            .until(() -> ThreadProbeFactory.SEEN.get(id), s -> s != null);
        assertTrue(seen.succeeded(), path + ": " + seen);
        return new Probed(response, seen);
    }

    private static CacheRig start(CountingOrigin origin, String zone) throws Exception {
        return CacheRig.start(Files.createTempDirectory("nproxy-cache-test"), config(origin.port(), zone));
    }

    @Test
    void hitsFromMemoryAreAnsweredOnTheParsingThread() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = start(origin, DISK_ZONE)) {
            Probed miss = probe(rig, "GET", "/page");
            assertEquals("nproxy; fwd=uri-miss; fwd-status=200; stored", miss.response().getHeaders().get("Cache-Status"));
            assertTrue(miss.seen().handledOnParsingThread(), "the cache is called in place: " + miss.seen());
            assertFalse(miss.inPlace(), "a miss goes upstream from a virtual thread: " + miss.seen());

            Probed hit = probe(rig, "GET", "/page");
            assertEquals("/page #1", hit.response().getContentAsString());
            assertTrue(hit.response().getHeaders().get("Cache-Status").startsWith("nproxy; hit; ttl="));
            assertNotNull(hit.response().getHeaders().get("Age"));
            assertTrue(hit.inPlace(), "the first hit after the store is answered in place: " + hit.seen());

            Probed head = probe(rig, "HEAD", "/page");
            assertEquals(200, head.response().getStatus());
            assertEquals("8", head.response().getHeaders().get("Content-Length"));
            assertEquals(0, head.response().getContent().length);
            assertTrue(head.inPlace(), "HEAD from a stored GET: " + head.seen());

            Probed range = probe(rig, "GET", "/page", "Range", "bytes=1-4");
            assertEquals(206, range.response().getStatus());
            assertEquals("page", range.response().getContentAsString());
            assertEquals("bytes 1-4/8", range.response().getHeaders().get("Content-Range"));
            assertTrue(range.inPlace(), "one range: " + range.seen());

            Probed unsatisfiable = probe(rig, "GET", "/page", "Range", "bytes=100-");
            assertEquals(416, unsatisfiable.response().getStatus());
            assertTrue(unsatisfiable.inPlace(), unsatisfiable.seen().toString());

            Probed multipart = probe(rig, "GET", "/page", "Range", "bytes=0-0,2-3");
            assertEquals(206, multipart.response().getStatus());
            assertTrue(multipart.response().getHeaders().get("Content-Type").startsWith("multipart/byteranges"));
            assertTrue(multipart.response().getContentAsString().contains("ag"), multipart.response().getContentAsString());
            assertFalse(multipart.inPlace(), "several ranges are written from a virtual thread");

            Probed bypass = probe(rig, "GET", "/page", "Cache-Control", "no-store");
            assertEquals("/page #2", bypass.response().getContentAsString());
            assertFalse(bypass.inPlace(), "a bypass goes upstream: " + bypass.seen());
            assertEquals(2, origin.count("/page"));
        }
    }

    @Test
    void conditionalVaryAndStaleWhileRevalidateHitsFromMemoryAreInPlace() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = start(origin, DISK_ZONE)) {
            origin.on("/tagged", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("ETag", "\"v1\"");
            });
            rig.get("/tagged");
            Probed notModified = probe(rig, "GET", "/tagged", "If-None-Match", "\"v1\"");
            assertEquals(304, notModified.response().getStatus());
            assertEquals("\"v1\"", notModified.response().getHeaders().get("ETag"));
            assertTrue(notModified.inPlace(), notModified.seen().toString());
            Probed changed = probe(rig, "GET", "/tagged", "If-None-Match", "\"v0\"");
            assertEquals(200, changed.response().getStatus());
            assertTrue(changed.inPlace(), changed.seen().toString());
            assertEquals(1, origin.count("/tagged"));

            origin.on("/greet", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Vary", "Accept-Language");
                rq.setAttribute("body", (rq.getHeaders().get("Accept-Language") + " #" + n).getBytes());
            });
            rig.get("/greet", "Accept-Language", "en");
            Probed fr = probe(rig, "GET", "/greet", "Accept-Language", "fr");
            assertEquals("fr #2", fr.response().getContentAsString());
            assertFalse(fr.inPlace(), "another variant is a miss");
            Probed en = probe(rig, "GET", "/greet", "Accept-Language", "en");
            assertEquals("en #1", en.response().getContentAsString());
            assertTrue(en.inPlace(), en.seen().toString());
            Probed frAgain = probe(rig, "GET", "/greet", "Accept-Language", "FR");
            assertEquals("fr #2", frAgain.response().getContentAsString(), "normalised like the blocking look-up");
            assertTrue(frAgain.inPlace(), frAgain.seen().toString());
            assertEquals(2, origin.count("/greet"));

            origin.on("/swr", (rq, rs, n) -> rs.getHeaders().put("Cache-Control", "max-age=1, stale-while-revalidate=60"));
            rig.get("/swr");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                rig.get("/swr").getHeaders().get("Cache-Status").contains("stale-while-revalidate"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> origin.count("/swr") == 2);
        }
    }

    @Test
    void bodyFilesAreSentInPlaceOnceMapped() throws Exception {
        byte[] big = new byte[10_000]; // above the 2 KiB inline limit of a zone with a disk tier
        new Random(7).nextBytes(big);
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = start(origin, DISK_ZONE)) {
            origin.on("/big", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rq.setAttribute("body", big);
            });
            assertArrayEquals(big, rig.get("/big").getContent());
            Probed first = probe(rig, "GET", "/big");
            assertArrayEquals(big, first.response().getContent());
            assertFalse(first.inPlace(), "the file is read from a virtual thread: " + first.seen());
            probe(rig, "GET", "/big"); // the second hit maps the file
            Probed mapped = probe(rig, "GET", "/big");
            assertArrayEquals(big, mapped.response().getContent());
            assertTrue(mapped.inPlace(), "a mapped body is in memory: " + mapped.seen());
            Probed range = probe(rig, "GET", "/big", "Range", "bytes=9000-9999");
            assertArrayEquals(java.util.Arrays.copyOfRange(big, 9000, 10_000), range.response().getContent());
            assertTrue(range.inPlace(), range.seen().toString());
            assertEquals(1, origin.count("/big"));
        }
    }

    /**
     * Clients hit 40 keys of a zone whose heap tier holds 28 entries (and nothing below it), so
     * entries are evicted all the time (their body files deleted), while the clients purge the hot keys
     * at random: every 200 carries exactly the body of the version its fields name, whole.
     */
    @Test
    void hitsRacingWithPurgeAndEvictionNeverServeAHalfReleasedBody() throws Exception {
        String zone = "<cache-zone name=\"pages\" heap=\"1m\" dir=\"var/cache/pages\" max-object=\"1m\"/>";
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = start(origin, zone)) {
            for (int k = 0; k < 40; k++) {
                String path = "/r" + k;
                int size = k % 2 == 0 ? 40_000 : 1_000; // a body file (above 32 KiB) or inline
                origin.on(path, (rq, rs, n) -> {
                    rs.getHeaders().put("Cache-Control", "max-age=60");
                    rs.getHeaders().put("X-Version", Integer.toString(n));
                    rq.setAttribute("body", body(path, n, size));
                });
            }
            AtomicInteger inPlace = new AtomicInteger();
            AtomicInteger purges = new AtomicInteger();
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> clients = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    clients.add(threads.submit(() -> {
                        for (int i = 0; i < 400; i++) {
                            if (ThreadLocalRandom.current().nextInt(10) == 0) { // while the others hit
                                rig.send("PURGE", "/r" + ThreadLocalRandom.current().nextInt(4));
                                purges.incrementAndGet();
                                continue;
                            }
                            // mostly a few hot keys, so that entries stay long enough to be mapped and hit in place
                            int k = ThreadLocalRandom.current().nextInt(4) == 0 ? ThreadLocalRandom.current().nextInt(40)
                                : ThreadLocalRandom.current().nextInt(4);
                            String path = "/r" + k;
                            Probed p = probe(rig, "GET", path);
                            ContentResponse r = p.response();
                            assertEquals(200, r.getStatus(), path);
                            int version = Integer.parseInt(r.getHeaders().get("X-Version"));
                            byte[] expected = body(path, version, k % 2 == 0 ? 40_000 : 1_000);
                            assertEquals(Integer.toString(expected.length), r.getHeaders().get("Content-Length"), path);
                            assertArrayEquals(expected, r.getContent(), path + " version " + version);
                            if (p.inPlace()) {
                                inPlace.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : clients) {
                    f.get();
                }
            } finally {
                threads.shutdownNow();
            }
            assertTrue(inPlace.get() > 20, "hits answered in place during the race: " + inPlace.get());
            assertTrue(purges.get() > 10, "purges: " + purges.get());
        }
    }

    /** The body of one version of a path: bytes from a seed of both, so that any mix-up shows. */
    private static byte[] body(String path, int version, int size) {
        byte[] b = new byte[size];
        new Random(path.hashCode() * 31L + version).nextBytes(b);
        return b;
    }
}
