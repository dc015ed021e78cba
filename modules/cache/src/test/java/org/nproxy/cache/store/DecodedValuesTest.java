package org.nproxy.cache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The memory hits from memory read: a write's forget wins over a reader that read before it. */
class DecodedValuesTest {
    @Test
    void aReaderThatReadBeforeAWriteCannotPutTheOldValueBack() {
        DecodedValues d = new DecodedValues(100);
        byte[] old = {1};
        long stamp = d.stamp("v\nk"); // the reader takes its stamp, then reads the old value from Ehcache
        d.forget("v\nk"); // meanwhile a purge removed it from Ehcache and forgot it
        d.remember("v\nk", stamp, old, "old decoded");
        assertNull(d.get("v\nk"), "the purged value must not come back");

        long after = d.stamp("v\nk"); // a reader after the write remembers what it read
        d.remember("v\nk", after, old, "decoded");
        assertSame(old, d.get("v\nk").value());
        assertEquals("decoded", d.get("v\nk").result());
    }

    @Test
    void aWriteForgetsWhatWasRememberedAndForgetAllForgetsEverything() {
        DecodedValues d = new DecodedValues(100);
        d.remember("a", d.stamp("a"), new byte[] {1}, "a");
        d.remember("b", d.stamp("b"), new byte[] {2}, "b");
        long stampOfB = d.stamp("b");
        d.forget("a");
        assertNull(d.get("a"));
        assertNotNull(d.get("b"));
        d.forgetAll();
        assertNull(d.get("b"));
        d.remember("b", stampOfB, new byte[] {2}, "b");
        assertNull(d.get("b"), "a reader from before the take-over does not put its value back");
    }

    @Test
    void pastItsCapAQuarterIsForgotten() {
        DecodedValues d = new DecodedValues(40);
        for (int i = 0; i < 200; i++) {
            String key = "k" + i;
            d.remember(key, d.stamp(key), new byte[0], key);
            assertTrue(d.size() <= 40, "size " + d.size());
        }
        assertNotNull(d.get("k199"), "the value just remembered is kept");
    }
}
