package org.nproxy.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/** Issue 18, fuzzing: durations and sizes either parse or throw IllegalArgumentException, nothing else. */
class UnitsPropertyTest {
    @Provide
    Arbitrary<String> unitish() {
        // Mostly the grammar's own characters, so that near-misses and huge numbers are common.
        return Arbitraries.strings().withChars("0123456789mshdkgtbiKMGT .-+").ofMaxLength(30);
    }

    /** A number of any size with a unit, or several: where overflows live. */
    @Provide
    Arbitrary<String> numbersWithUnits() {
        Arbitrary<String> part = Combinators.combine(Arbitraries.longs().greaterOrEqual(0),
            Arbitraries.of("ms", "s", "m", "h", "d", "", "k", "g", "t", "kib")).as((n, unit) -> n + unit);
        return part.list().ofMinSize(1).ofMaxSize(3).map(parts -> String.join("", parts));
    }

    @Property(tries = 3000)
    void numbersWithUnitsParseOrSayWhy(@ForAll("numbersWithUnits") String text) {
        try {
            assertTrue(!Units.duration(text).isNegative(), text);
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
        try {
            assertTrue(Units.size(text) >= 0, text);
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
    }

    @Property(tries = 3000)
    void durationParsesOrSaysWhy(@ForAll("unitish") String text) {
        try {
            assertTrue(!Units.duration(text).isNegative(), text);
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
    }

    @Property(tries = 1000)
    void durationOfAnyString(@ForAll String text) {
        try {
            Units.duration(text);
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
    }

    @Property(tries = 3000)
    void sizeParsesOrSaysWhy(@ForAll("unitish") String text) {
        try {
            assertTrue(Units.size(text) >= 0, text);
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
    }

    @Property(tries = 1000)
    void sizeOfAnyString(@ForAll String text) {
        try {
            Units.size(text);
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
    }

    /** Numbers past what a Duration holds: found by reading, kept as examples so they stay fixed. */
    @Example
    void hugeDurationsAreIllegalArguments() {
        for (String text : new String[] {"9223372036854775807d", "9223372036854775807h", "106751991167301d1d",
            "99999999999999999999s", "9223372036854775807s9223372036854775807s", "5124095576030431h"}) {
            try {
                Units.duration(text);
            } catch (IllegalArgumentException expected) {
                continue;
            }
            throw new AssertionError(text + " parsed");
        }
    }

    @Property(tries = 1000)
    void formatThenParseIsTheSameDuration(@ForAll @LongRange(min = 0, max = 1_000_000_000_000L) long millis) {
        Duration d = Duration.ofMillis(millis);
        assertEquals(d, Units.duration(Units.format(d)));
    }
}
