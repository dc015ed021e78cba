package org.nproxy.cache.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nproxy.cache.policy.Exchange;
import org.nproxy.cache.policy.Headers;
import org.nproxy.cache.shared.SharedTier;
import org.nproxy.cache.store.StoredResponse;

/** What is written to Redis reads back whole, and nothing else reads as an entry. */
class EntryFormatTest {
    private static final StoredResponse.Meta META = new StoredResponse.Meta(
        new Exchange(200, Headers.of("Cache-Control", "max-age=60", "Age", "7"), 1_000, 1_250), 5);

    @Test
    void entriesIndexesAndMessagesRoundTrip() {
        EntryFormat.Entry e = EntryFormat.entry(EntryFormat.entry("http://a/x", "v", META, "hello".getBytes(), null, 0, 0),
            "http://a/x", "v");
        assertEquals(META, e.meta());
        assertArrayEquals("hello".getBytes(), e.inline());
        EntryFormat.Entry chunked = EntryFormat.entry(EntryFormat.entry("k", "v", META, null, "w1", 3, 42), "k", "v");
        assertEquals(3, chunked.chunks());
        assertEquals("w1", chunked.writeId());
        assertEquals(42, chunked.bodyCrc());
        assertEquals(List.of("Accept-Encoding"), EntryFormat.index(EntryFormat.index("k", List.of("Accept-Encoding")), "k"));
        SharedTier.Invalidation inv = new SharedTier.Invalidation(SharedTier.Kind.PREFIX, List.of("http://a/"));
        EntryFormat.Message m = EntryFormat.message(EntryFormat.message("me", inv));
        assertEquals("me", m.sender());
        assertEquals(inv, m.invalidation());
    }

    @Test
    void everySingleBitFlipIsRejected() {
        byte[] good = EntryFormat.entry("http://a/x", "v", META, "hello".getBytes(), null, 0, 0);
        for (int i = 0; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                assertNull(EntryFormat.entry(bad, "http://a/x", "v"), "byte " + i + " bit " + bit);
            }
        }
    }

    @Test
    void foreignValuesOtherKeysOtherVersionsAndTruncationsAreRejected() {
        byte[] good = EntryFormat.entry("http://a/x", "v", META, "hello".getBytes(), null, 0, 0);
        assertNull(EntryFormat.entry(good, "http://a/y", "v"), "copied under another key");
        assertNull(EntryFormat.entry(good, "http://a/x", "w"), "another variant");
        assertNull(EntryFormat.index(good, "http://a/x"), "an entry is not an index");
        byte[] version = good.clone();
        version[4] = 2;
        assertNull(EntryFormat.entry(version, "http://a/x", "v"));
        for (int n = 0; n < good.length; n++) {
            assertNull(EntryFormat.entry(java.util.Arrays.copyOf(good, n), "http://a/x", "v"), "truncated to " + n);
        }
        Random random = new Random(17);
        for (int i = 0; i < 1000; i++) {
            byte[] noise = new byte[random.nextInt(200)];
            random.nextBytes(noise);
            assertNull(EntryFormat.entry(noise, "http://a/x", "v"));
            assertNull(EntryFormat.message(noise));
        }
        assertNull(EntryFormat.entry("HTTP/1.1 200 OK\r\n\r\nforged".getBytes(), "http://a/x", "v"));
    }
}
