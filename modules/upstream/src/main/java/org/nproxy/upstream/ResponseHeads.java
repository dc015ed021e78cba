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
     */
    static Head scan(ByteBuffer a, int from, int to) {
        int prefix = Math.min(to - from, 5);
        if (!text(a, from, prefix).equals("HTTP/".substring(0, prefix))) {
            return Head.NOT_A_HEAD;
        }
        List<int[]> lines = new ArrayList<>(); // [start, end) of each field line, without CR/LF
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
                if (!head.interim()) {
                    rewrite(a, lines);
                }
                return head;
            } else {
                lines.add(new int[] {lineStart, lineEnd});
            }
            lineStart = i + 1;
        }
        return Head.INCOMPLETE;
    }

    /** The status code of {@code HTTP/1.x NNN ...}, or -1. */
    private static int status(ByteBuffer a, int start, int end) {
        String line = text(a, start, Math.min(end - start, 12));
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' ') {
            return -1;
        }
        try {
            return Integer.parseInt(line.substring(9, 12));
        } catch (NumberFormatException e) {
            return -1;
        }
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

    private static void rewrite(ByteBuffer a, List<int[]> lines) {
        List<int[]> te = new ArrayList<>(1);
        List<int[]> cl = new ArrayList<>(1);
        StringBuilder codings = new StringBuilder();
        for (int[] l : lines) {
            String name = name(a, l);
            if (name == null) {
                continue;
            }
            switch (name) {
                case "transfer-encoding" -> {
                    te.add(l);
                    codings.append(',').append(text(a, l[0] + name.length() + 1, l[1] - l[0] - name.length() - 1));
                }
                case "content-length" -> cl.add(l);
                default -> {
                    if (name.equalsIgnoreCase(TransferCodings.RENAMED)) {
                        put(a, l[0], IGNORED_LONG); // a peer's own: not trusted
                    }
                }
            }
        }
        if (te.isEmpty()) {
            return;
        }
        for (int[] l : cl) {
            put(a, l[0], IGNORED); // section 6.3 rule 3: the transfer coding wins
        }
        String last = "";
        for (String t : codings.toString().split(",")) {
            if (!t.isBlank()) {
                last = t.trim().toLowerCase(Locale.ROOT);
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

    /** The field name of a line, lower case, when it is one of the names looked at; else null. */
    private static String name(ByteBuffer a, int[] line) {
        int colon = -1;
        for (int i = line[0]; i < line[1] && i - line[0] <= 18; i++) {
            if (a.get(i) == ':') {
                colon = i;
                break;
            }
        }
        if (colon < 0) {
            return null;
        }
        return text(a, line[0], colon - line[0]).toLowerCase(Locale.ROOT);
    }
}
