package org.nproxy.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Gen;

/** Issue 18, fuzzing: durations and sizes either parse or throw IllegalArgumentException, nothing else. */
class UnitsPropertyTest {
    /** Mostly the grammar's own characters, so that near-misses and huge numbers are common. */
    static String unitish(Gen g) {
        return g.string("0123456789mshdkgtbiKMGT .-+", 0, 30);
    }

    /** A number of any size with a unit, or several: where overflows live. */
    static String numbersWithUnits(Gen g) {
        StringBuilder s = new StringBuilder();
        int parts = g.intBetween(1, 3);
        for (int i = 0; i < parts; i++) {
            s.append(g.longBetween(0, Long.MAX_VALUE)).append(g.oneOf("ms", "s", "m", "h", "d", "", "k", "g", "t", "kib"));
        }
        return s.toString();
    }

    @Test
    void numbersWithUnitsParseOrSayWhy() {
        Gen.forAll(18_101, 3000, g -> {
            String text = numbersWithUnits(g);
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
        });
    }

    @Test
    void durationParsesOrSaysWhy() {
        Gen.forAll(18_102, 3000, g -> {
            String text = unitish(g);
            try {
                assertTrue(!Units.duration(text).isNegative(), text);
            } catch (IllegalArgumentException expected) {
                // the documented error
            }
        });
    }

    @Test
    void durationOfAnyString() {
        Gen.forAll(18_103, 1000, g -> {
            String text = g.anyString(255);
            try {
                Units.duration(text);
            } catch (IllegalArgumentException expected) {
                // the documented error
            }
        });
    }

    @Test
    void sizeParsesOrSaysWhy() {
        Gen.forAll(18_104, 3000, g -> {
            String text = unitish(g);
            try {
                assertTrue(Units.size(text) >= 0, text);
            } catch (IllegalArgumentException expected) {
                // the documented error
            }
        });
    }

    @Test
    void sizeOfAnyString() {
        Gen.forAll(18_105, 1000, g -> {
            String text = g.anyString(255);
            try {
                Units.size(text);
            } catch (IllegalArgumentException expected) {
                // the documented error
            }
        });
    }

    /** Numbers past what a Duration holds: found by reading, kept as examples so they stay fixed. */
    @Test
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

    @Test
    void formatThenParseIsTheSameDuration() {
        Gen.forAll(18_106, 1000, g -> {
            Duration d = Duration.ofMillis(g.longBetween(0, 1_000_000_000_000L));
            assertEquals(d, Units.duration(Units.format(d)));
        });
    }
}
