package org.nproxy.server.internal.http1;

import java.nio.ByteBuffer;

import org.eclipse.jetty.http.BadMessageException;

/**
 * Follows the HTTP/1.1 request framing of one connection over the bytes Jetty reads, one step
 * ahead of Jetty's parser: where each request head starts and ends, how long each body is
 * ({@code Content-Length}, or chunked with {@link ChunkFraming}'s strict rules), and whether a
 * {@code PRI} head is the exact HTTP/2 preface. It reads head bytes one by one, skips over
 * {@code Content-Length} bodies and chunk data without touching them, and allocates nothing.
 *
 * <p>It judges only what Jetty 12.0's parser lets through; a request Jetty refuses (two
 * different lengths, a length beside chunked, a {@code Transfer-Encoding} without chunked
 * last) ends the connection there, so what this class makes of it does not matter: it stops
 * following ({@link #PASSIVE}). It never refuses on its own anything Jetty would take except
 * the four cases it exists for (bare-LF chunk lines, chunk data not followed by CRLF, a bad
 * HTTP/2 preface, and a head past its deadline, which the {@link Events} decide).
 */
final class Http1Framing {
    /** What a scan found. */
    static final int OK = 0;
    /** A chunked-framing byte is wrong, at {@link #badIndex()}: the request gets 400. */
    static final int BAD_CHUNK = 1;
    /** A {@code PRI} head that is not the exact HTTP/2 preface: close without an answer. */
    static final int BAD_PREFACE = 2;
    /** The head deadline took this head before it ended: drop the bytes, the 408 is on its way. */
    static final int TIMED_OUT = 3;

    /** Hears where heads start and end, for the head deadline. */
    interface Events {
        void headStarted();

        /** @return false when the deadline already took this head */
        boolean headEnded();
    }

    // States. The head states come first: state <= FIELD_VALUE means "inside a head".
    private static final int REQUEST_LINE = 0;
    private static final int FIELD_START = 1;
    private static final int FIELD_NAME = 2;
    private static final int FIELD_SKIP = 3;
    private static final int HEAD_END_LF = 4;
    private static final int FIELD_VALUE = 5;
    private static final int IDLE = 6;
    private static final int BODY = 7;
    private static final int CHUNKED = 8;
    private static final int TRAILER_START = 9;
    private static final int TRAILER_SKIP = 10;
    private static final int TRAILER_END_LF = 11;
    /** Stopped following: after an upgrade, a refused request or a head Jetty will refuse. */
    static final int PASSIVE = 12;

    private static final byte[] PREFACE = {'P', 'R', 'I', ' ', '*', ' ', 'H', 'T', 'T', 'P', '/', '2', '.', '0'};
    private static final byte[] CONTENT_LENGTH = lower("content-length");
    private static final byte[] TRANSFER_ENCODING = lower("transfer-encoding");
    private static final byte[] CHUNKED_TOKEN = lower("chunked");

    private final Events events;
    private final boolean h2c;
    private final ChunkFraming chunks = new ChunkFraming();
    private int state = IDLE;
    private int badIndex = -1;

    // The head being read.
    private int lineLength;
    private boolean preface;      // the request line so far matches PREFACE
    private boolean pri;          // the method is PRI
    private int nameLength;
    private boolean nameIsLength;
    private boolean nameIsEncoding;
    private boolean valueIsLength; // the field whose value is being read
    private long contentLength;
    private boolean hasLength;
    private boolean lengthInvalid;
    private boolean chunked;
    private boolean hasEncoding;
    private int tokenLength;       // the Transfer-Encoding token being read
    private boolean tokenIsChunked;
    private boolean tokenEnded;    // OWS seen after the token
    private boolean valueStarted;
    private boolean valueEnded;
    // The body being skipped.
    private long bodyLeft;

    /**
     * @param h2c whether the connector speaks h2c: without it even the exact preface is closed
     *            (Jetty would answer it with an HTTP/1.1 426 page)
     */
    Http1Framing(Events events, boolean h2c) {
        this.events = events;
        this.h2c = h2c;
    }

    int state() {
        return state;
    }

    /** Stop following (the connection was upgraded or is being refused). */
    void stop() {
        state = PASSIVE;
    }

    /** Index of the byte that broke the chunked framing, after {@link #BAD_CHUNK}. */
    int badIndex() {
        return badIndex;
    }

    /** Follows the bytes {@code [from, to)} of {@code buffer} (absolute indexes, not moved). */
    int scan(ByteBuffer buffer, int from, int to) {
        int i = from;
        while (i < to) {
            switch (state) {
                case IDLE -> {
                    byte b = buffer.get(i);
                    if (b == '\r' || b == '\n') {
                        i++; // Jetty skips blank lines before a request line
                        continue;
                    }
                    startHead();
                }
                case REQUEST_LINE -> {
                    if (!preface) { // not the preface: only the line's end matters
                        while (i < to && buffer.get(i) != '\n') {
                            i++;
                        }
                        if (i == to) {
                            continue;
                        }
                        i++;
                        if (pri) {
                            return refusePreface(); // PRI, but not "PRI * HTTP/2.0"
                        }
                        state = FIELD_START;
                        continue;
                    }
                    byte b = buffer.get(i++);
                    if (b == '\n') {
                        if (pri && !(preface && lineLength == PREFACE.length)) {
                            return refusePreface();
                        }
                        state = FIELD_START;
                    } else if (b != '\r') {
                        preface &= lineLength < PREFACE.length && PREFACE[lineLength] == b;
                        if (++lineLength == 4) {
                            pri = preface; // "PRI " read
                        }
                    }
                }
                case FIELD_START -> {
                    byte b = buffer.get(i);
                    if (b == '\r') {
                        i++;
                        state = HEAD_END_LF;
                    } else if (b == '\n') {
                        i++;
                        int r = endHead();
                        if (r != OK) {
                            return r;
                        }
                    } else {
                        if (pri) {
                            return refusePreface(); // the preface has no fields
                        }
                        nameLength = 0;
                        nameIsLength = true;
                        nameIsEncoding = true;
                        state = FIELD_NAME;
                    }
                }
                case FIELD_NAME -> {
                    byte b = buffer.get(i++);
                    if (b == ':') {
                        nameIsLength &= nameLength == CONTENT_LENGTH.length;
                        nameIsEncoding &= nameLength == TRANSFER_ENCODING.length;
                        if (nameIsLength || nameIsEncoding) {
                            startValue(nameIsLength);
                        } else {
                            state = FIELD_SKIP;
                        }
                    } else if (b == '\n') {
                        state = FIELD_START; // no colon: Jetty refuses the head
                    } else {
                        byte c = (byte) (b | 0x20);
                        nameIsLength &= nameLength < CONTENT_LENGTH.length && CONTENT_LENGTH[nameLength] == c;
                        nameIsEncoding &= nameLength < TRANSFER_ENCODING.length && TRANSFER_ENCODING[nameLength] == c;
                        nameLength++;
                        if (!nameIsLength && !nameIsEncoding) {
                            state = FIELD_SKIP;
                        }
                    }
                }
                case FIELD_SKIP -> {
                    while (i < to && buffer.get(i) != '\n') {
                        i++;
                    }
                    if (i < to) {
                        i++;
                        state = FIELD_START;
                    }
                }
                case FIELD_VALUE -> {
                    byte b = buffer.get(i++);
                    if (b == '\n') {
                        endValue();
                        state = FIELD_START;
                    } else if (b != '\r') {
                        valueByte(b);
                    }
                }
                case HEAD_END_LF -> {
                    if (buffer.get(i) != '\n') {
                        state = PASSIVE; // Jetty refuses a CR without LF
                        return OK;
                    }
                    i++;
                    int r = endHead();
                    if (r != OK) {
                        return r;
                    }
                }
                case BODY -> {
                    int n = (int) Math.min(bodyLeft, to - i);
                    i += n;
                    bodyLeft -= n;
                    if (bodyLeft == 0) {
                        state = IDLE;
                    }
                }
                case CHUNKED -> {
                    if (chunks.inData()) {
                        int n = (int) Math.min(chunks.dataLeft(), to - i);
                        i += n;
                        chunks.dataConsumed(n);
                    } else {
                        try {
                            chunks.accept(buffer.get(i));
                        } catch (BadMessageException e) {
                            badIndex = i;
                            state = PASSIVE;
                            return BAD_CHUNK;
                        }
                        i++;
                        if (chunks.done()) {
                            state = TRAILER_START;
                        }
                    }
                }
                case TRAILER_START -> {
                    byte b = buffer.get(i++);
                    state = b == '\n' ? IDLE : b == '\r' ? TRAILER_END_LF : TRAILER_SKIP;
                }
                case TRAILER_SKIP -> {
                    while (i < to && buffer.get(i) != '\n') {
                        i++;
                    }
                    if (i < to) {
                        i++;
                        state = TRAILER_START;
                    }
                }
                case TRAILER_END_LF -> {
                    if (buffer.get(i++) != '\n') {
                        state = PASSIVE; // Jetty refuses it
                        return OK;
                    }
                    state = IDLE;
                }
                default -> {
                    return OK; // PASSIVE
                }
            }
        }
        return OK;
    }

    private void startHead() {
        state = REQUEST_LINE;
        lineLength = 0;
        preface = true;
        pri = false;
        contentLength = 0;
        hasLength = false;
        lengthInvalid = false;
        chunked = false;
        hasEncoding = false;
        events.headStarted();
    }

    private int endHead() {
        if (!events.headEnded()) {
            state = PASSIVE;
            return TIMED_OUT;
        }
        if (pri) {
            if (!h2c) {
                return refusePreface();
            }
            state = PASSIVE; // Jetty hands the connection to h2c
            return OK;
        }
        if (lengthInvalid || hasEncoding && (hasLength || !chunked)) {
            state = PASSIVE; // Jetty answers 400 and closes
        } else if (chunked) {
            chunks.reset();
            state = CHUNKED;
        } else if (contentLength > 0) {
            bodyLeft = contentLength;
            state = BODY;
        } else {
            state = IDLE;
        }
        return OK;
    }

    private int refusePreface() {
        state = PASSIVE;
        return BAD_PREFACE;
    }

    private void startValue(boolean length) {
        valueIsLength = length;
        valueStarted = false;
        valueEnded = false;
        tokenLength = 0;
        tokenIsChunked = true;
        tokenEnded = false;
        if (length) {
            if (hasLength) {
                lengthInvalid = true; // Jetty takes a repeated equal length; following it is not worth the code
            }
            hasLength = true;
        } else {
            hasEncoding = true;
            chunked = false; // a later Transfer-Encoding field after chunked: Jetty refuses it anyway
        }
        state = FIELD_VALUE;
    }

    private void valueByte(byte b) {
        boolean ows = b == ' ' || b == '\t';
        if (valueIsLength) {
            if (ows) {
                valueEnded = valueStarted;
            } else if (b >= '0' && b <= '9' && !valueEnded && contentLength < Long.MAX_VALUE / 10) {
                contentLength = contentLength * 10 + (b - '0');
                valueStarted = true;
            } else {
                lengthInvalid = true;
            }
            return;
        }
        if (b == ',') {
            endToken();
        } else if (ows) {
            tokenEnded = tokenLength > 0;
        } else {
            tokenIsChunked &= !tokenEnded && tokenLength < CHUNKED_TOKEN.length
                && CHUNKED_TOKEN[tokenLength] == (byte) (b | 0x20);
            tokenLength++;
        }
    }

    private void endValue() {
        if (valueIsLength) {
            lengthInvalid |= !valueStarted;
        } else {
            endToken();
        }
    }

    private void endToken() {
        if (tokenLength > 0) {
            chunked = tokenIsChunked && tokenLength == CHUNKED_TOKEN.length;
        }
        tokenLength = 0;
        tokenIsChunked = true;
        tokenEnded = false;
    }

    private static byte[] lower(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
