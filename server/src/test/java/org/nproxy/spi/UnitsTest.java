package org.nproxy.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {
    @Test
    void durations() {
        assertEquals(Duration.ofMillis(250), Units.duration("250ms"));
        assertEquals(Duration.ofSeconds(10), Units.duration("10s"));
        assertEquals(Duration.ofSeconds(10), Units.duration("10"));
        assertEquals(Duration.ofMinutes(5), Units.duration("5m"));
        assertEquals(Duration.ofSeconds(90), Units.duration("1m30s"));
        assertEquals(Duration.ofHours(1), Units.duration("1h"));
        assertEquals(Duration.ofDays(2), Units.duration("2d"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10 seconds", "", "s", "1.5s", "-1s", "10sec", "1m 30s", "ms"})
    void badDurations(String text) {
        assertThrows(IllegalArgumentException.class, () -> Units.duration(text));
    }

    @Test
    void sizes() {
        assertEquals(512, Units.size("512"));
        assertEquals(64 * 1024, Units.size("64k"));
        assertEquals(64 * 1024, Units.size("64K"));
        assertEquals(8L << 20, Units.size("8m"));
        assertEquals(1L << 30, Units.size("1g"));
        assertEquals(1L << 30, Units.size("1GiB"));
        assertEquals(2048, Units.size("2kb"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5g", "ten", "", "1x", "99999999999999g"})
    void badSizes(String text) {
        assertThrows(IllegalArgumentException.class, () -> Units.size(text));
    }

    @Test
    void format() {
        assertEquals("1500ms", Units.format(Duration.ofMillis(1500)));
        assertEquals("30s", Units.format(Duration.ofSeconds(30)));
        assertEquals("2m", Units.format(Duration.ofSeconds(120)));
        assertEquals("1h", Units.format(Duration.ofHours(1)));
    }
}
