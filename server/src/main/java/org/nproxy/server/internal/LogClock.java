package org.nproxy.server.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The access log's timestamps, formatted once per second instead of once per line (nginx
 * caches its time strings the same way). Two slots (even and odd seconds) so lines of requests
 * that began just before and just after a second boundary do not reformat in turn.
 */
final class LogClock {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("xxx", Locale.ROOT);

    /** One second's strings: {@code 02/Dec/2026:05:33:00 +0000}, {@code 2026-12-02T05:33:00}, {@code +00:00}. */
    record Second(long epochSecond, byte[] local, byte[] iso, byte[] offset) {
    }

    private final ZoneId zone;
    private final Second[] slots = new Second[2];

    LogClock(ZoneId zone) {
        this.zone = zone;
    }

    /** The strings of the second that holds this instant (epoch milliseconds). */
    Second second(long epochMillis) {
        long s = Math.floorDiv(epochMillis, 1000);
        int slot = (int) (s & 1);
        Second cached = slots[slot]; // a racy read of an immutable record: at worst formatted twice
        if (cached == null || cached.epochSecond != s) {
            cached = format(s);
            slots[slot] = cached;
        }
        return cached;
    }

    private Second format(long epochSecond) {
        ZonedDateTime t = Instant.ofEpochSecond(epochSecond).atZone(zone);
        return new Second(epochSecond, bytes(LOCAL.format(t)), bytes(ISO.format(t)), bytes(OFFSET.format(t)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
