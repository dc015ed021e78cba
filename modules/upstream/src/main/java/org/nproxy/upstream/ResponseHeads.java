package org.nproxy.upstream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.nproxy.upstream.forward.TransferCodings;

/**
 * Finds HTTP/1.1 response heads in bytes read from a peer and rewrites, in place and keeping
 * every length, the framing fields that Jetty 12.0.30's client parser would refuse although RFC
 * 9112 section 6.3 says how to read them ({@link TransferCodings} has the rules). Pure: works on
 * a buffer's bytes by absolute index (heap or direct), knows nothing of end points;
 * {@link ResponseFraming} feeds it.
 */
final class ResponseHeads {
    private static final byte[] RENAMED = TransferCodings.RENAMED.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IGNORED = TransferCodings.IGNORED.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IGNORED_LONG = TransferCodings.IGNORED_LONG.getBytes(StandardCharsets.US_ASCII);

    private ResponseHeads() {
    }

    /** What is in {@code a[from, to)} (absolute indices): a complete head ending at {@code end}, or not yet, or no head at all. */
    record Head(int end, int status) {
        static final Head INCOMPLETE = new Head(-1, 0);
        static final Head NOT_A_HEAD = new Head(-2, 0);

        boolean complete() {
            return end >= 0;
        }

        boolean interim() {
            return status >= 100 && status < 200 && status != 101;
        }
    }

    /**
     * Looks for a response head starting at {@code from}: a status line then fields up to an
     * empty line (CRLF or a bare LF, as Jetty's parser accepts). A complete final head is
     * rewritten as documented in {@link TransferCodings}; interim heads are left as they are.
     * Runs on every answer from a peer: it compares bytes in place and allocates nothing for a
     * head without framing fields to rewrite (the common case).
     */
    static Head scan(ByteBuffer a, int from, int to) {
        int prefix = Math.min(to - from, HTTP.length);
        for (int i = 0; i < prefix; i++) {
            if (a.get(from + i) != HTTP[i]) {
                return Head.NOT_A_HEAD;
            }
        }
        Framing framing = null; // the lines that matter, made only for a head that has any
        int lineStart = from;
        int status = -1;
        for (int i = from; i < to; i++) {
            if (a.get(i) != '\n') {
                continue;
            }
            int lineEnd = i > lineStart && a.get(i - 1) == '\r' ? i - 1 : i;
            if (status < 0) {
                status = status(a, lineStart, lineEnd);
                if (status < 0) {
                    return Head.NOT_A_HEAD;
                }
            } else if (lineEnd == lineStart) {
                Head head = new Head(i + 1, status);
                if (!head.interim() && framing != null) {
                    framing.rewrite(a);
                }
                return head;
            } else {
                framing = Framing.note(a, lineStart, lineEnd, framing);
            }
            lineStart = i + 1;
        }
        return Head.INCOMPLETE;
    }

    private static final byte[] HTTP = {'H', 'T', 'T', 'P', '/'};
    private static final byte[] HTTP_1 = {'H', 'T', 'T', 'P', '/', '1', '.'};
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RENAMED_LOWER = TransferCodings.RENAMED.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);

    /** The status code of {@code HTTP/1.x NNN ...}, or -1. */
    private static int status(ByteBuffer a, int start, int end) {
        if (end - start < 12 || a.get(start + 8) != ' ') {
            return -1;
        }
        for (int i = 0; i < HTTP_1.length; i++) {
            if (a.get(start + i) != HTTP_1[i]) {
                return -1;
            }
        }
        int code = 0;
        for (int i = start + 9; i < start + 12; i++) {
            int d = a.get(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            code = code * 10 + d;
        }
        return code;
    }

    /** Bytes {@code [from, from + length)} as ISO-8859-1 text (absolute: the buffer's position is untouched). */
    private static String text(ByteBuffer a, int from, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = a.get(from + i);
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static void put(ByteBuffer a, int at, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            a.put(at + i, bytes[i]);
        }
    }

    /** The framing lines of one head: {@code Transfer-Encoding}, {@code Content-Length}, and the peer's own renamed name. */
    private static final class Framing {
        private final List<int[]> te = new ArrayList<>(1);
        private final List<int[]> cl = new ArrayList<>(1);
        private final List<int[]> spoofed = new ArrayList<>(0);

        /** Notes the line {@code [start, end)} if its field name is one of those looked at; returns the (new) holder. */
        static Framing note(ByteBuffer a, int start, int end, Framing framing) {
            int colon = -1;
            for (int i = start; i < end && i - start <= 18; i++) {
                if (a.get(i) == ':') {
                    colon = i;
                    break;
                }
            }
            if (colon < 0) {
                return framing;
            }
            List<int[]> into;
            if (nameIs(a, start, colon, TRANSFER_ENCODING)) {
                into = (framing = framing != null ? framing : new Framing()).te;
            } else if (nameIs(a, start, colon, CONTENT_LENGTH)) {
                into = (framing = framing != null ? framing : new Framing()).cl;
            } else if (nameIs(a, start, colon, RENAMED_LOWER)) {
                into = (framing = framing != null ? framing : new Framing()).spoofed;
            } else {
                return framing;
            }
            into.add(new int[] {start, end});
            return framing;
        }

        /** ASCII case-insensitive: the bytes {@code [start, colon)} are {@code lower}. */
        private static boolean nameIs(ByteBuffer a, int start, int colon, byte[] lower) {
            if (colon - start != lower.length) {
                return false;
            }
            for (int i = 0; i < lower.length; i++) {
                int b = a.get(start + i);
                if (b >= 'A' && b <= 'Z') {
                    b += 'a' - 'A';
                }
                if (b != lower[i]) {
                    return false;
                }
            }
            return true;
        }

        void rewrite(ByteBuffer a) {
            for (int[] l : spoofed) {
                put(a, l[0], IGNORED_LONG); // a peer's own: not trusted
            }
            if (te.isEmpty()) {
                return;
            }
            for (int[] l : cl) {
                put(a, l[0], IGNORED); // section 6.3 rule 3: the transfer coding wins
            }
            String last = "";
            for (int[] l : te) {
                int value = l[0] + TRANSFER_ENCODING.length + 1;
                for (String t : text(a, value, l[1] - value).split(",")) {
                    if (!t.isBlank()) {
                        last = t.trim().toLowerCase(Locale.ROOT);
                    }
                }
            }
            if (!last.equals("chunked")) {
                for (int[] l : te) {
                    put(a, l[0], RENAMED); // rule 4: read to the close
                }
            } else if (!cl.isEmpty()) {
                closeAfter(a, cl.get(0));
            }
        }
    }

    /**
     * Turns a {@code Content-Length} line (at least 16 bytes: {@code Content-Length:0}) into
     * {@code Connection:} and {@code close} padded with spaces: an answer that had both framings
     * is read by its chunks and its connection is not reused (RFC 9112 section 6.3 rule 3).
     */
    private static void closeAfter(ByteBuffer a, int[] line) {
        byte[] connection = "Connection:".getBytes(StandardCharsets.US_ASCII);
        byte[] close = "close".getBytes(StandardCharsets.US_ASCII);
        int length = line[1] - line[0];
        if (length < connection.length + close.length) {
            return;
        }
        put(a, line[0], connection);
        for (int i = line[0] + connection.length; i < line[1] - close.length; i++) {
            a.put(i, (byte) ' ');
        }
        put(a, line[1] - close.length, close);
    }
}
