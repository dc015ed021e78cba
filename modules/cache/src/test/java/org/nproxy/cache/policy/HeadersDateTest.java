package org.nproxy.cache.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.OptionalLong;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Gen;

/** RFC 9110 §5.6.7: the direct IMF-fixdate reader agrees with java.time on every date it accepts. */
class HeadersDateTest {
    static OptionalLong javaTime(String v) {
        try {
            return OptionalLong.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli());
        } catch (RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    @Test
    @DisplayName("§5.6.7 IMF-fixdate round trip, 1970 to 2200")
    void imfFixdatesRoundTrip() {
        Gen.forAll(9111, 2000, g -> {
            long millis = g.longBetween(0, 7_258_118_400L) * 1000; // whole seconds, up to 2200
            String text = Headers.formatDate(millis);
            assertEquals(29, text.length(), text); // IMF-fixdate: always a two-digit day
            assertEquals(OptionalLong.of(millis), Headers.parseDate(text), text);
            assertEquals(javaTime(text), Headers.parseDate(text), text);
            String oneDigitDay = text.replaceFirst(", 0", ", "); // RFC 1123 allows it: java.time reads it
            assertEquals(javaTime(oneDigitDay), Headers.parseDate(oneDigitDay), oneDigitDay);
        });
    }

    @Test
    @DisplayName("§5.6.7 malformed dates are not dates")
    void malformed() {
        for (String bad : new String[] {"Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:4x:37 GMT", "0", ""}) {
            assertTrue(Headers.parseDate(bad).isEmpty(), bad);
        }
        assertEquals(OptionalLong.of(784111777000L), Headers.parseDate("Sun, 06 Nov 1994 08:49:37 GMT"));
    }
}
