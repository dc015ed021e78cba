package org.nproxy.server.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One access log line being built, as UTF-8 bytes: a growable array reused line after line by
 * the buffer stripe that owns it, so formatting a line allocates nothing.
 *
 * <p>Values that come from the client are written with {@link #text} (nginx's default log
 * escaping) or {@link #json} (a JSON string), so no request can forge a line or break a field.
 */
final class LogLine {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private byte[] bytes = new byte[512];
    private int length;

    int length() {
        return length;
    }

    void clear() {
        length = 0;
    }

    /** Copies the line into the buffer, which must have room. */
    void copyTo(ByteBuffer buffer) {
        buffer.put(bytes, 0, length);
    }

    byte[] toArray() {
        return Arrays.copyOf(bytes, length);
    }

    private void room(int n) {
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
        }
    }

    LogLine raw(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, bytes, length, b.length);
        length += b.length;
        return this;
    }

    LogLine ascii(char c) {
        room(1);
        bytes[length++] = (byte) c;
        return this;
    }

    /** A decimal number, without allocating a String. */
    LogLine number(long n) {
        if (n < 0) {
            if (n == Long.MIN_VALUE) {
                return raw(Long.toString(n).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            ascii('-');
            n = -n;
        }
        int digits = 1;
        for (long p = 10; digits < 19 && p <= n; p *= 10) {
            digits++;
        }
        room(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        length += digits;
        return this;
    }

    /** 0..999 as exactly three digits: the fraction after a decimal point. */
    LogLine threeDigits(long n) {
        room(3);
        bytes[length++] = (byte) ('0' + n / 100 % 10);
        bytes[length++] = (byte) ('0' + n / 10 % 10);
        bytes[length++] = (byte) ('0' + n % 10);
        return this;
    }

    /**
     * A value in a text format, escaped as nginx does by default: {@code "}, {@code \\} and
     * control characters become {@code \xHH}; other characters are written as UTF-8. Null or
     * empty writes {@code -}.
     */
    LogLine text(String s) {
        return text(s, false);
    }

    /** {@link #text} for a request header's value, whose characters are bytes ({@link #kind}). */
    LogLine textHeader(String s) {
        return text(s, true);
    }

    /** A JSON string value with its quotes, or {@code null}. */
    LogLine json(String s) {
        return json(s, false);
    }

    /** {@link #json} for a request header's value, whose characters are bytes ({@link #kind}). */
    LogLine jsonHeader(String s) {
        return json(s, true);
    }

    private LogLine text(String s, boolean header) {
        if (s == null || s.isEmpty()) {
            return ascii('-');
        }
        room(s.length());
        int kind = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                if (length == bytes.length) {
                    room(s.length() - i);
                }
                bytes[length++] = (byte) c;
                continue;
            }
            if (c < 0x80) {
                hexEscape(c);
                continue;
            }
            if (kind < 0) {
                kind = header ? kind(s) : UNICODE;
            }
            if (kind == BYTES_UTF8) {
                room(1);
                bytes[length++] = (byte) c;
            } else if (kind == BYTES_OTHER) {
                hexEscape(c); // as nginx writes a byte that is not text
            } else {
                i = utf8(s, i);
            }
        }
        return this;
    }

    private LogLine json(String s, boolean header) {
        if (s == null) {
            return raw(NULL);
        }
        room(s.length() + 2);
        bytes[length++] = '"';
        int kind = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                if (length == bytes.length) {
                    room(s.length() - i + 1);
                }
                bytes[length++] = (byte) c;
                continue;
            }
            switch (c) {
                case '"' -> raw2('\\', '"');
                case '\\' -> raw2('\\', '\\');
                case '\n' -> raw2('\\', 'n');
                case '\r' -> raw2('\\', 'r');
                case '\t' -> raw2('\\', 't');
                case '\b' -> raw2('\\', 'b');
                case '\f' -> raw2('\\', 'f');
                default -> {
                    if (c < 0x80) {
                        unicodeEscape(c); // other controls and DEL
                        continue;
                    }
                    if (kind < 0) {
                        kind = header ? kind(s) : UNICODE;
                    }
                    if (kind == BYTES_UTF8) {
                        room(1);
                        bytes[length++] = (byte) c;
                    } else if (c < 0xa0 || Character.isSurrogate(c) && !validPair(s, i)) {
                        unicodeEscape(c); // C1 controls, lone surrogates: valid JSON, visible
                    } else {
                        i = utf8(s, i);
                    }
                }
            }
        }
        return ascii('"');
    }

    /* Jetty hands a header's bytes over as ISO-8859-1 characters (one char per byte). A client's
     * UTF-8 is then best written back as the same bytes; other bytes are escaped. */
    private static final int UNICODE = 0; // a real Unicode string: UTF-8
    private static final int BYTES_UTF8 = 1; // every char a byte, and the bytes are UTF-8: as is
    private static final int BYTES_OTHER = 2; // every char a byte, not UTF-8: escaped per byte

    private static int kind(String s) {
        int continuation = 0;
        for (int i = 0; i < s.length(); i++) {
            int b = s.charAt(i);
            if (b > 0xff) {
                return UNICODE;
            }
            if (continuation > 0) {
                if ((b & 0xc0) != 0x80) {
                    return rest(s, i);
                }
                continuation--;
            } else if (b >= 0xc2 && b <= 0xdf) {
                continuation = 1;
            } else if (b >= 0xe0 && b <= 0xef) {
                continuation = 2;
            } else if (b >= 0xf0 && b <= 0xf4) {
                continuation = 3;
            } else if (b >= 0x80) {
                return rest(s, i);
            }
        }
        return continuation == 0 ? BYTES_UTF8 : BYTES_OTHER;
    }

    /** Not UTF-8 from index i on: still UNICODE if a later char is wider than a byte. */
    private static int rest(String s, int i) {
        for (; i < s.length(); i++) {
            if (s.charAt(i) > 0xff) {
                return UNICODE;
            }
        }
        return BYTES_OTHER;
    }

    private void raw2(char a, char b) {
        room(2);
        bytes[length++] = (byte) a;
        bytes[length++] = (byte) b;
    }

    private void hexEscape(char c) {
        room(4);
        bytes[length++] = '\\';
        bytes[length++] = 'x';
        bytes[length++] = HEX[c >> 4 & 0xf];
        bytes[length++] = HEX[c & 0xf];
    }

    private void unicodeEscape(char c) {
        room(6);
        bytes[length++] = '\\';
        bytes[length++] = 'u';
        bytes[length++] = HEX[c >> 12 & 0xf];
        bytes[length++] = HEX[c >> 8 & 0xf];
        bytes[length++] = HEX[c >> 4 & 0xf];
        bytes[length++] = HEX[c & 0xf];
    }

    private static boolean validPair(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }

    /** Writes the non-ASCII character at i as UTF-8 (a lone surrogate as '?'); returns the last index used. */
    private int utf8(String s, int i) {
        char c = s.charAt(i);
        room(4);
        if (c < 0x800) {
            bytes[length++] = (byte) (0xc0 | c >> 6);
            bytes[length++] = (byte) (0x80 | c & 0x3f);
            return i;
        }
        if (!Character.isSurrogate(c)) {
            bytes[length++] = (byte) (0xe0 | c >> 12);
            bytes[length++] = (byte) (0x80 | c >> 6 & 0x3f);
            bytes[length++] = (byte) (0x80 | c & 0x3f);
            return i;
        }
        if (!validPair(s, i)) {
            bytes[length++] = '?';
            return i;
        }
        int cp = Character.toCodePoint(c, s.charAt(i + 1));
        bytes[length++] = (byte) (0xf0 | cp >> 18);
        bytes[length++] = (byte) (0x80 | cp >> 12 & 0x3f);
        bytes[length++] = (byte) (0x80 | cp >> 6 & 0x3f);
        bytes[length++] = (byte) (0x80 | cp & 0x3f);
        return i + 1;
    }
}
