package org.nproxy.server.internal.http1;

import java.nio.ByteBuffer;

import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;

/**
 * Jetty's request parser with two additions: chunked bodies must be framed with CRLF exactly
 * ({@link ChunkFraming}), and it tells a {@link HeadWatch} when a request head starts and ends,
 * for the head deadline of {@link GuardedHttpConnection}.
 */
final class StrictParser extends HttpParser {
    /** Hears when a request head begins (its first byte) and when it is complete or refused. */
    interface HeadWatch {
        void headStarted();

        void headEnded();
    }

    private final ChunkFraming framing = new ChunkFraming();
    private volatile HeadWatch watch;
    private boolean inHead;

    StrictParser(RequestHandler handler, int maxHeaderBytes, HttpCompliance compliance) {
        super(handler, maxHeaderBytes, compliance);
    }

    void watch(HeadWatch watch) {
        this.watch = watch;
    }

    @Override
    public boolean parseNext(ByteBuffer buffer) {
        HeadWatch w = watch;
        if (!inHead && isStart() && buffer.hasRemaining() && w != null) {
            inHead = true;
            w.headStarted();
        }
        try {
            return super.parseNext(buffer);
        } finally {
            if (inHead && !inHeaderState()) {
                inHead = false;
                if (w != null) {
                    w.headEnded();
                }
            }
        }
    }

    @Override
    protected boolean parseContent(ByteBuffer buffer) {
        if (!isChunking()) {
            return super.parseContent(buffer);
        }
        // Hand Jetty one framing byte at a time (after checking it) and chunk data only up to
        // the chunk's end, so every framing byte passes through ChunkFraming first.
        while (buffer.hasRemaining() && getState().ordinal() < State.TRAILER.ordinal() && !framing.done()) {
            int limit = buffer.limit();
            int position = buffer.position();
            boolean handled;
            if (framing.inData()) {
                buffer.limit(buffer.position() + (int) Math.min(buffer.remaining(), framing.dataLeft()));
                long before = getContentRead();
                try {
                    handled = super.parseContent(buffer);
                } finally {
                    buffer.limit(limit);
                }
                framing.dataConsumed(getContentRead() - before);
            } else {
                framing.accept(buffer.get(buffer.position()));
                buffer.limit(buffer.position() + 1);
                try {
                    handled = super.parseContent(buffer);
                } finally {
                    buffer.limit(limit);
                }
            }
            if (handled) {
                return true;
            }
            if (buffer.position() == position) {
                break; // Jetty took nothing (it changed state): let it go on by itself
            }
        }
        return super.parseContent(buffer);
    }

    @Override
    public void reset() {
        super.reset();
        framing.reset();
        inHead = false;
    }
}
