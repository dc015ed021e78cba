package org.nproxy.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The access log's byte builder: numbers, nginx-style text escaping, JSON strings, UTF-8. */
class LogLineTest {
    private static String bytes(LogLine line) {
        return new String(line.toArray(), StandardCharsets.UTF_8);
    }

    @Test
    void numbers() {
        LogLine l = new LogLine();
        l.number(0).ascii(' ').number(7).ascii(' ').number(1234567890123L).ascii(' ').number(-42)
            .ascii(' ').number(Long.MAX_VALUE).ascii(' ').number(Long.MIN_VALUE).ascii(' ').threeDigits(5);
        assertEquals("0 7 1234567890123 -42 9223372036854775807 -9223372036854775808 005", bytes(l));
    }

    @Test
    void textEscapesQuotesBackslashesAndControlsAsNginxDoes() {
        LogLine l = new LogLine();
        l.text("a\"b\\c\td\u0001e\u007f").ascii('|').text(null).ascii('|').text("");
        assertEquals("a\\x22b\\x5Cc\\x09d\\x01e\\x7F|-|-", bytes(l));
    }

    @Test
    void textKeepsNonAsciiAsUtf8() {
        LogLine l = new LogLine();
        l.text("café ☕ \uD83D\uDE00 lone\uD800!");
        assertEquals("café ☕ \uD83D\uDE00 lone?!", bytes(l));
    }

    @Test
    void jsonStrings() {
        LogLine l = new LogLine();
        l.json("q\"b\\n\n r\r t\t \b \f \u0001 \u001f é \uD83D\uDE00 \uDC00").ascii(',').json(null).ascii(',').json("");
        assertEquals("\"q\\\"b\\\\n\\n r\\r t\\t \\b \\f \\u0001 \\u001F é \uD83D\uDE00 \\uDC00\",null,\"\"", bytes(l));
    }

    @Test
    void headerBytesThatAreUtf8AreWrittenBack() {
        // Jetty gives a header's bytes as ISO-8859-1 chars: "é" sent as UTF-8 arrives as "\u00c3\u00a9".
        String utf8OnTheWire = "caf\u00c3\u00a9 \u00e2\u0098\u0095";
        LogLine l = new LogLine();
        l.textHeader(utf8OnTheWire).ascii('|').jsonHeader(utf8OnTheWire);
        assertEquals("café ☕|\"café ☕\"", bytes(l));
    }

    @Test
    void headerBytesThatAreNotUtf8AreEscaped() {
        String latin1 = "caf\u00e9 \u0085";
        LogLine l = new LogLine();
        l.textHeader(latin1).ascii('|').jsonHeader(latin1);
        assertEquals("caf\\xE9 \\x85|\"café \\u0085\"", bytes(l));
    }

    @Test
    void growsPastItsFirstArray() {
        LogLine l = new LogLine();
        String big = "x".repeat(5000) + "é" + "\"".repeat(300);
        l.text(big);
        assertEquals("x".repeat(5000) + "é" + "\\x22".repeat(300), bytes(l));
        l.clear();
        l.json(big);
        assertEquals("\"" + "x".repeat(5000) + "é" + "\\\"".repeat(300) + "\"", bytes(l));
    }
}
