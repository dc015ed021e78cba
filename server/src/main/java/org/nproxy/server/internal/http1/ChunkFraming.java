package org.nproxy.server.internal.http1;

import org.eclipse.jetty.http.BadMessageException;

/**
 * The framing of a chunked request body, checked byte by byte the way RFC 9112 §7.1 writes it:
 * every chunk-size line ends in CRLF, and every chunk's data is followed by exactly CRLF. Jetty
 * 12.0's parser also takes a bare LF, blank lines before a chunk size and chunk data run straight
 * into the next size; a front end that reads those differently from the peer behind it is how
 * request smuggling starts, so they are refused here with 400. Chunk extensions and the trailer
 * section are left to Jetty.
 *
 * <p>Use: {@link #accept} each framing byte before the parser sees it; while {@link #inData()},
 * hand the parser at most {@link #dataLeft()} bytes and report them with {@link #dataConsumed}.
 */
public final class ChunkFraming {
    private enum State { SIZE_FIRST, SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, DONE }

    private static final long MAX_SIZE = 1L << 40; // Jetty refuses far smaller chunks with 413 anyway

    private State state = State.SIZE_FIRST;
    private long size;
    private long dataLeft;

    /** Back to the start of a body. */
    public void reset() {
        state = State.SIZE_FIRST;
        size = 0;
        dataLeft = 0;
    }

    /** True while chunk data (not framing) is expected. */
    public boolean inData() {
        return state == State.DATA;
    }

    /** True after the last chunk's size line: the trailer section follows. */
    public boolean done() {
        return state == State.DONE;
    }

    public long dataLeft() {
        return dataLeft;
    }

    /** The parser took {@code n} bytes of chunk data. */
    public void dataConsumed(long n) {
        if (state != State.DATA || n < 0 || n > dataLeft) {
            throw new IllegalStateException("consumed " + n + " of " + dataLeft + " data bytes in state " + state);
        }
        dataLeft -= n;
        if (dataLeft == 0) {
            state = State.DATA_CR;
        }
    }

    /**
     * Checks one framing byte.
     *
     * @throws BadMessageException 400 when the byte breaks the framing; bytes this class does not
     *                             judge (the characters of a size or an extension) pass, for Jetty to judge
     */
    public void accept(byte b) {
        switch (state) {
            case SIZE_FIRST -> {
                if (b == '\r' || b == '\n') {
                    throw bad("an empty line where a chunk size belongs");
                }
                size = hex(b);
                state = size < 0 ? State.EXTENSION : State.SIZE; // not a digit: Jetty refuses it
                size = Math.max(size, 0);
            }
            case SIZE -> {
                long digit = hex(b);
                if (digit >= 0) {
                    size = Math.min(MAX_SIZE, size * 16 + digit);
                } else if (b == '\r') {
                    state = State.SIZE_LF;
                } else if (b == '\n') {
                    throw bad("a chunk-size line ends in a bare LF");
                } else {
                    state = State.EXTENSION;
                }
            }
            case EXTENSION -> {
                if (b == '\r') {
                    state = State.SIZE_LF;
                } else if (b == '\n') {
                    throw bad("a chunk-size line ends in a bare LF");
                }
            }
            case SIZE_LF -> {
                if (b != '\n') {
                    throw bad("CR without LF in a chunk-size line");
                }
                dataLeft = size;
                state = size == 0 ? State.DONE : State.DATA;
            }
            case DATA_CR -> {
                if (b != '\r') {
                    throw bad(b == '\n' ? "chunk data ends in a bare LF" : "chunk data is longer than its size");
                }
                state = State.DATA_LF;
            }
            case DATA_LF -> {
                if (b != '\n') {
                    throw bad("CR without LF after chunk data");
                }
                size = 0;
                state = State.SIZE_FIRST;
            }
            case DATA, DONE -> throw new IllegalStateException("not a framing byte in state " + state);
        }
    }

    private static long hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static BadMessageException bad(String why) {
        return new BadMessageException(400, "Bad chunked encoding: " + why);
    }
}
