package org.nproxy.files.internal;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/**
 * Issue 18, fuzzing: {@code Range} headers. Whatever the header, {@link Ranges#parse} returns
 * null (serve it all), or satisfiable ranges inside the file, never more than its cap, and never
 * throws.
 */
class RangesPropertyTest {
    @Provide
    Arbitrary<String> headers() {
        Arbitrary<String> spec = Arbitraries.strings().withChars("0123456789- ,").ofMaxLength(25);
        Arbitrary<String> unit = Arbitraries.of("bytes=", "BYTES=", "bytes =", "items=", "", "bytes=-", "bytes=0-");
        return unit.flatMap(u -> spec.map(s -> u + s));
    }

    @Property(tries = 3000)
    void rangesStayInsideTheFile(@ForAll("headers") String header, @ForAll @LongRange(min = 0, max = 1L << 40) long size) {
        check(header, size);
    }

    @Property(tries = 1000)
    void anyHeader(@ForAll String header, @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long size) {
        check(header, size);
    }

    /** Only ASCII digits are digits in HTTP (RFC 9110 §5.6.1 DIGIT). */
    @Example
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
