package org.nproxy.server.internal.http1;

import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request whose body reads fail with 408 once the client sends slower than
 * {@code min-request-rate}, measured over the time the handler spent waiting for body bytes
 * (from a {@link #demand} to the {@link #read} that brings bytes; time the handler spends
 * elsewhere is not the client's fault). Jetty 12.0's core ignores
 * {@code HttpConfiguration#setMinRequestDataRate}, so it is done here, on the request every
 * handler sees (installed by {@link Http1Customizer}).
 *
 * <p>No lock: a handler does not call {@code read} and {@code demand} of one request at the
 * same time, and Jetty orders a demand callback after the demand that asked for it.
 */
final class BodyRate extends Request.Wrapper {
    private static final Logger LOG = LoggerFactory.getLogger(BodyRate.class);
    /** A rate is judged only after the handler waited this long: one slow packet is not an attack. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final long bytesPerSecond;
    private long waitingSince;
    private long waitedNanos;
    private long bytes;
    private Content.Chunk failure;

    BodyRate(Request request, long bytesPerSecond) {
        super(request);
        this.bytesPerSecond = bytesPerSecond;
    }

    @Override
    public void demand(Runnable demandCallback) {
        if (waitingSince == 0 && failure == null) {
            waitingSince = nonZero(System.nanoTime());
        }
        super.demand(demandCallback);
    }

    @Override
    public Content.Chunk read() {
        if (failure != null) {
            return failure;
        }
        Content.Chunk chunk = super.read();
        if (chunk == null || Content.Chunk.isFailure(chunk)) {
            return chunk;
        }
        if (waitingSince != 0) {
            waitedNanos += System.nanoTime() - waitingSince;
            waitingSince = 0;
        }
        bytes += chunk.remaining();
        if (chunk.isLast() || waitedNanos < GRACE_NANOS
            || bytes >= bytesPerSecond * (double) waitedNanos / TimeUnit.SECONDS.toNanos(1)) {
            return chunk;
        }
        chunk.release();
        LOG.debug("{}: request body at {} bytes in {} ms, below {} bytes/s: 408",
            getConnectionMetaData().getRemoteSocketAddress(), bytes, TimeUnit.NANOSECONDS.toMillis(waitedNanos), bytesPerSecond);
        failure = Content.Chunk.from(new BadMessageException(408, "request body slower than " + bytesPerSecond + " bytes/s"), true);
        return failure;
    }

    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }
}
