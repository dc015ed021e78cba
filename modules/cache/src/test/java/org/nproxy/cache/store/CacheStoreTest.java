package org.nproxy.cache.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.cache.policy.Exchange;
import org.nproxy.cache.policy.Headers;

/** The Ehcache store on a real zone directory: inline and file bodies, restart, limits, purges. */
class CacheStoreTest {
    static final long MB = 1 << 20;

    @TempDir
    Path dir;

    StoreLayout layout(long maxObject) {
        return new StoreLayout(dir, 4 * MB, 8 * MB, 32 * MB, maxObject);
    }

    static StoredResponse.Meta meta(long length, String... headers) {
        return new StoredResponse.Meta(new Exchange(200, Headers.of(headers), 1, 2), length);
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    static boolean put(Store store, String key, byte[] body, String... headers) throws IOException {
        BodyBuffer buffer = store.newBody();
        for (int at = 0; at < body.length; at += 10_000) {
            buffer.append(ByteBuffer.wrap(body, at, Math.min(10_000, body.length - at)));
        }
        return store.put(key, List.of(), "", meta(body.length, headers), buffer);
    }

    static byte[] read(StoredResponse r) throws IOException {
        return r.inFile() ? Files.readAllBytes(r.bodyFile()) : r.inlineBody();
    }

    /** A heap hit decodes nothing: the same StoredResponse (and its prepared form) until the value changes. */
    @Test
    void heapHitsReuseTheDecodedEntry() throws Exception {
        try (EhcacheStore store = EhcacheStore.open(new StoreLayout(dir, 4 * MB, 0, 0, MB))) {
            assertTrue(put(store, "http://h/a", bytes(1000), "X-A", "1"));
            StoredResponse first = store.get("http://h/a", "").orElseThrow();
            assertTrue(first == store.get("http://h/a", "").orElseThrow(), "a second heap hit decoded the entry again");
            assertTrue(put(store, "http://h/a", bytes(500), "X-A", "2"));
            StoredResponse replaced = store.get("http://h/a", "").orElseThrow();
            assertEquals("2", replaced.meta().headers().get("X-A"));
            assertArrayEquals(bytes(500), replaced.inlineBody());
            store.purge("http://h/a");
            assertTrue(store.get("http://h/a", "").isEmpty());
        }
    }

    @Test
    void inlineAndFileBodiesSurviveARestart() throws Exception {
        byte[] small = bytes(1000);
        byte[] large = bytes(300_000);
        try (EhcacheStore store = EhcacheStore.open(layout(MB))) {
            assertTrue(put(store, "http://h/small", small, "X-A", "1"));
            assertTrue(put(store, "http://h/large", large));
            assertFalse(store.get("http://h/small", "").orElseThrow().inFile());
            assertTrue(store.get("http://h/large", "").orElseThrow().inFile());
        }
        try (EhcacheStore store = EhcacheStore.open(layout(MB))) {
            StoredResponse s = store.get("http://h/small", "").orElseThrow();
            assertArrayEquals(small, read(s));
            assertEquals("1", s.meta().headers().get("X-A"));
            assertArrayEquals(large, read(store.get("http://h/large", "").orElseThrow()));
        }
    }

    @Test
    void aBodyOverMaxObjectIsNotStoredAndLeavesNoFile() throws Exception {
        try (EhcacheStore store = EhcacheStore.open(layout(100_000))) {
            assertFalse(put(store, "http://h/big", bytes(150_000)));
            assertTrue(store.get("http://h/big", "").isEmpty());
            BodyBuffer abandoned = store.newBody();
            abandoned.append(ByteBuffer.wrap(bytes(90_000)));
            abandoned.discard();
        }
        assertEquals(0, files(dir.resolve("tmp")) + files(dir.resolve("bodies")));
    }

    @Test
    void purgeByKeyPrefixAndTag() throws Exception {
        try (EhcacheStore store = EhcacheStore.open(layout(MB))) {
            put(store, "http://h/a/1", bytes(10), "Cache-Tag", "red, blue");
            put(store, "http://h/a/2", bytes(50_000), "Surrogate-Key", "green");
            put(store, "http://h/b", bytes(10), "Cache-Tag", "blue");
            assertEquals(1, store.purge("http://h/b"));
            assertTrue(store.get("http://h/b", "").isEmpty());
            assertEquals(1, store.purgeTags(List.of("red")));
            assertTrue(store.get("http://h/a/1", "").isEmpty());
            assertEquals(1, store.purgePrefix("http://h/a/"));
            assertTrue(store.get("http://h/a/2", "").isEmpty());
        }
    }

    @Test
    void variantsOfOneKeyStayApart() throws Exception {
        try (EhcacheStore store = EhcacheStore.open(layout(MB))) {
            List<String> vary = List.of("accept-language");
            for (String lang : List.of("en", "fr")) {
                BodyBuffer b = store.newBody();
                b.append(ByteBuffer.wrap(lang.getBytes()));
                store.put("http://h/", vary, "accept-language=" + lang, meta(2), b);
            }
            assertEquals(vary, store.varyNames("http://h/").orElseThrow());
            assertArrayEquals("fr".getBytes(), store.get("http://h/", "accept-language=fr").orElseThrow().inlineBody());
            assertEquals(2, store.purge("http://h/"));
        }
    }

    /**
     * A response without Vary is one Ehcache entry (its variant index folded in); a key that gains
     * or loses Vary switches layouts without leaving a reachable old variant or an old body file.
     */
    @Test
    void aKeyWithoutVaryIsOneEntryAndSwitchesLayoutsWithVary() throws Exception {
        try (EhcacheStore store = EhcacheStore.open(layout(MB))) {
            assertTrue(put(store, "http://h/x", bytes(100_000), "Cache-Tag", "t"));
            assertEquals(1, store.tierStatistics().get("Disk").getMappings());
            assertEquals(List.of(), store.varyNames("http://h/x").orElseThrow());
            assertEquals(1, store.referencedFiles().size());
            // the origin starts to vary: the folded entry gives way to an index and a variant
            List<String> vary = List.of("accept-language");
            BodyBuffer b = store.newBody();
            b.append(ByteBuffer.wrap("en".getBytes()));
            assertTrue(store.put("http://h/x", vary, "accept-language=en", meta(2), b));
            assertEquals(vary, store.varyNames("http://h/x").orElseThrow());
            assertTrue(store.get("http://h/x", "").isEmpty());
            assertArrayEquals("en".getBytes(), store.get("http://h/x", "accept-language=en").orElseThrow().inlineBody());
            Awaitility.await("the folded entry's file deleted").atMost(java.time.Duration.ofSeconds(5))
                .until(() -> files(dir.resolve("bodies")) == 0);
            // and stops varying: the variants go, the entry is folded again
            assertTrue(put(store, "http://h/x", bytes(10), "X-A", "3"));
            assertEquals(List.of(), store.varyNames("http://h/x").orElseThrow());
            assertTrue(store.get("http://h/x", "accept-language=en").isEmpty());
            assertEquals("3", store.get("http://h/x", "").orElseThrow().meta().headers().get("X-A"));
            assertEquals(1, store.tierStatistics().get("Disk").getMappings());
            // a 304 freshens the folded entry in place
            store.update("http://h/x", "", meta(10, "X-A", "4"));
            assertEquals("4", store.get("http://h/x", "").orElseThrow().meta().headers().get("X-A"));
            assertArrayEquals(bytes(10), store.get("http://h/x", "").orElseThrow().inlineBody());
            assertEquals(1, store.purge("http://h/x"));
            assertTrue(store.varyNames("http://h/x").isEmpty());
            assertEquals(0, store.tierStatistics().get("Disk").getMappings());
        }
    }

    /** A folded entry whose body file vanished (a crash, a hand) reads as a miss and is dropped. */
    @Test
    void aMissingBodyFileIsAMiss() throws Exception {
        try (EhcacheStore store = EhcacheStore.open(layout(MB))) {
            assertTrue(put(store, "http://h/f", bytes(100_000)));
            StoredResponse r = store.get("http://h/f", "").orElseThrow();
            Files.delete(r.bodyFile());
            // a store that remembers the decoded entry does not look at the file again on a hit;
            // the first decode after a restart does
        }
        try (EhcacheStore store = EhcacheStore.open(layout(MB))) {
            assertTrue(store.get("http://h/f", "").isEmpty());
            assertTrue(store.get("http://h/f", "").isEmpty(), "still a miss");
        }
    }

    static long files(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
