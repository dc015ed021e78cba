package org.nproxy.cache.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.nproxy.cache.policy.Headers;

/** The collapser, purge-from address blocks, byte ranges and cache keys, without a server. */
class CacheInternalsTest {
    @Test
    void oneLeaderPerKeyAndFollowersWakeWhenItLands() throws Exception {
        Collapser c = new Collapser();
        Collapser.Seat leader = c.board("k");
        Collapser.Seat follower = c.board("k");
        assertTrue(leader.leader());
        assertFalse(follower.leader());
        assertFalse(follower.flight().await(Duration.ofMillis(20)), "bounded wait while the leader is out");
        c.land("k", leader, true);
        assertTrue(follower.flight().await(Duration.ofMillis(20)));
        assertTrue(follower.flight().stored());
        assertTrue(c.board("k").leader(), "a landed flight is gone");
        assertThrows(IllegalStateException.class, () -> c.land("k", follower, false));
    }

    @Test
    void addressBlocks() throws Exception {
        assertTrue(AddressBlock.parse("127.0.0.1/32").contains(InetAddress.getByName("127.0.0.1")));
        assertFalse(AddressBlock.parse("127.0.0.1/32").contains(InetAddress.getByName("127.0.0.2")));
        assertTrue(AddressBlock.parse("10.0.0.0/8").contains(InetAddress.getByName("10.200.3.4")));
        assertTrue(AddressBlock.parse("192.168.1.0/25").contains(InetAddress.getByName("192.168.1.127")));
        assertFalse(AddressBlock.parse("192.168.1.0/25").contains(InetAddress.getByName("192.168.1.128")));
        assertTrue(AddressBlock.parse("::1/128").contains(InetAddress.getByName("::1")));
        assertFalse(AddressBlock.parse("::1/128").contains(InetAddress.getByName("127.0.0.1")));
        assertThrows(IllegalArgumentException.class, () -> AddressBlock.parse("example.com"));
        assertThrows(IllegalArgumentException.class, () -> AddressBlock.parse("10.0.0.0/40"));
    }

    @Test
    void byteRanges() {
        Headers stored = Headers.of("ETag", "\"e\"", "Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT");
        assertEquals(new ByteRange(2, 5), ByteRange.of(Headers.of("Range", "bytes=2-5"), stored, 10));
        assertEquals(new ByteRange(7, 9), ByteRange.of(Headers.of("Range", "bytes=-3"), stored, 10));
        assertEquals(new ByteRange(4, 9), ByteRange.of(Headers.of("Range", "bytes=4-99"), stored, 10));
        assertEquals(ByteRange.UNSATISFIABLE, ByteRange.of(Headers.of("Range", "bytes=10-"), stored, 10));
        assertNull(ByteRange.of(Headers.of("Range", "bytes=0-1,4-5"), stored, 10));
        assertNull(ByteRange.of(Headers.of("Range", "items=0-1"), stored, 10));
        assertNull(ByteRange.of(Headers.of("Range", "bytes=0-1", "If-Range", "\"other\""), stored, 10));
        assertEquals(new ByteRange(0, 1), ByteRange.of(Headers.of("Range", "bytes=0-1",
            "If-Range", "Tue, 14 Nov 2023 22:13:20 GMT"), stored, 10));
    }

    @Test
    void keysOfAbsoluteUris() {
        assertEquals("http://example.com/a?b", Fields.normalize("HTTP://Example.COM:80/a?b"));
        assertEquals("https://example.com:8443/", Fields.normalize("https://example.com:8443"));
        assertNull(Fields.normalize("/relative"));
    }
}
