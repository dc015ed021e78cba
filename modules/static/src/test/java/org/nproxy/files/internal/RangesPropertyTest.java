package org.nproxy.files.internal;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Gen;

/**
 * Issue 18, fuzzing: {@code Range} headers. Whatever the header, {@link Ranges#parse} returns
 * null (serve it all), or satisfiable ranges inside the file, never more than its cap, and never
 * throws.
 */
class RangesPropertyTest {
    static String header(Gen g) {
        return g.oneOf("bytes=", "BYTES=", "bytes =", "items=", "", "bytes=-", "bytes=0-") + g.string("0123456789- ,", 0, 25);
    }

    @Test
    void rangesStayInsideTheFile() {
        Gen.forAll(18_501, 3000, g -> check(header(g), g.longBetween(0, 1L << 40)));
    }

    @Test
    void anyHeader() {
        Gen.forAll(18_502, 1000, g -> check(g.anyString(255), g.longBetween(0, Long.MAX_VALUE)));
    }

    /** Only ASCII digits are digits in HTTP (RFC 9110 §5.6.1 DIGIT). */
    @Test
    void nonAsciiDigitsAreNotARange() {
        assertNull(Ranges.parse("bytes=\u0660-\u0663", 100)); // Arabic-Indic 0-3
        assertNull(Ranges.parse("bytes=0-\uff19", 100)); // fullwidth 9
    }

    private static void check(String header, long size) {
        List<Ranges.Range> ranges = Ranges.parse(header, size);
        if (ranges == null) {
            return;
        }
        assertTrue(ranges.size() <= Ranges.MAX_RANGES, header);
        for (Ranges.Range r : ranges) {
            assertTrue(r.first() >= 0 && r.first() <= r.last() && r.last() < size, header + " -> " + r + " of " + size);
        }
    }
}
