package org.nproxy.server.internal.http1;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.nproxy.config.HardeningSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's HTTP/1.1 connection with the slow-client defences of {@link HardeningSettings}:
 * <ul>
 *   <li>a deadline for the whole request head: from accept for the first request, from its first
 *       byte for later ones (the time between keep-alive requests is the idle timeout's). A head
 *       still incomplete at the deadline gets a bare 408 and the connection is closed. The idle
 *       timeout alone never fires for a client that trickles one byte at a time.</li>
 *   <li>a minimum request-body rate, measured over the time the handler spent waiting for body
 *       bytes (time it spends elsewhere is not the client's fault). Below it, the handler's next
 *       read fails with 408 and the connection is not reused. Jetty 12.0's core ignores
 *       {@code HttpConfiguration#setMinRequestDataRate}, so it is done here.</li>
 *   <li>strict chunked framing ({@link StrictParser}).</li>
 * </ul>
 */
final class GuardedHttpConnection extends HttpConnection implements StrictParser.HeadWatch {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedHttpConnection.class);
    private static final byte[] TIMEOUT_408 = ("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    /** A body rate is judged only after the handler waited this long: one slow packet is not an attack. */
    private static final long RATE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final HardeningSettings hardening;
    private final long headTimeoutNanos;
    private volatile long headStart;
    private Scheduler.Task deadline;

    GuardedHttpConnection(HttpConfiguration config, Connector connector, EndPoint endPoint, HardeningSettings hardening) {
        super(config, connector, endPoint);
        this.hardening = hardening;
        this.headTimeoutNanos = hardening.headerTimeout().toNanos();
        ((StrictParser) getParser()).watch(this);
    }

    @Override
    protected HttpParser newHttpParser(HttpCompliance compliance) {
        // Called from Jetty's constructor: only the configuration and the plain parser's handler exist yet.
        HttpParser plain = super.newHttpParser(compliance);
        StrictParser parser = new StrictParser((HttpParser.RequestHandler) plain.getHandler(),
            getHttpConfiguration().getRequestHeaderSize(), compliance);
        parser.setHeaderCacheSize(plain.getHeaderCacheSize());
        parser.setHeaderCacheCaseSensitive(plain.isHeaderCacheCaseSensitive());
        return parser;
    }

    @Override
    protected RequestHandler newRequestHandler() {
        return new PrefaceCheck();
    }

    @Override
    protected HttpStreamOverHTTP1 newHttpStream(String method, String uri, HttpVersion version) {
        return hardening.minRequestRate() > 0 ? new RateStream(method, uri, version) : super.newHttpStream(method, uri, version);
    }

    @Override
    public void onOpen() {
        super.onOpen();
        headStarted(); // the first head's clock starts at accept, like nginx's client_header_timeout
    }

    @Override
    public void onClose(Throwable cause) {
        cancelDeadline();
        super.onClose(cause);
    }

    @Override
    public void headStarted() {
        if (headTimeoutNanos <= 0 || headStart != 0) {
            return;
        }
        long now = System.nanoTime();
        headStart = now == 0 ? 1 : now;
        schedule(headTimeoutNanos);
    }

    @Override
    public void headEnded() {
        headStart = 0;
        cancelDeadline();
    }

    private synchronized void schedule(long delayNanos) {
        if (deadline != null) {
            deadline.cancel();
        }
        deadline = getConnector().getScheduler().schedule(this::checkDeadline, delayNanos, TimeUnit.NANOSECONDS);
    }

    private synchronized void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel();
            deadline = null;
        }
    }

    private void checkDeadline() {
        long start = headStart;
        EndPoint endPoint = getEndPoint();
        if (start == 0 || !endPoint.isOpen() || !getParser().inHeaderState()) {
            return;
        }
        long left = start + headTimeoutNanos - System.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        LOG.debug("{}: request head not complete after {}, 408", endPoint.getRemoteSocketAddress(), hardening.headerTimeout());
        headStart = 0;
        try {
            endPoint.write(Callback.from(endPoint::close, x -> endPoint.close()), ByteBuffer.wrap(TIMEOUT_408));
        } catch (RuntimeException e) {
            endPoint.close(); // a write still pending: no answer is possible, only the close
        }
    }

    /**
     * A head that starts like the HTTP/2 connection preface ({@code PRI}) but is not exactly
     * {@code PRI * HTTP/2.0} with no fields is an invalid preface (RFC 9113 §3.4): the connection
     * is closed, with no HTTP/1.1 error page (Jetty would answer 426 or 400 as if it were HTTP/1.1).
     * The exact preface goes on to Jetty, which hands the connection to h2c or refuses it.
     */
    private final class PrefaceCheck extends RequestHandler {
        private boolean pri;
        private boolean exact;
        private boolean fields;

        @Override
        public void startRequest(String method, String uri, HttpVersion version) {
            pri = "PRI".equals(method);
            exact = "*".equals(uri) && version == HttpVersion.HTTP_2;
            fields = false;
            super.startRequest(method, uri, version);
        }

        @Override
        public void parsedHeader(org.eclipse.jetty.http.HttpField field) {
            fields = true;
            super.parsedHeader(field);
        }

        @Override
        public boolean headerComplete() {
            if (pri && (!exact || fields)) {
                throw new InvalidPreface();
            }
            return super.headerComplete();
        }

        @Override
        public void badMessage(org.eclipse.jetty.http.HttpException failure) {
            if (failure instanceof InvalidPreface || pri) {
                LOG.debug("{}: invalid HTTP/2 connection preface, closing", getEndPoint().getRemoteSocketAddress());
                getEndPoint().close();
                return;
            }
            super.badMessage(failure);
        }
    }

    private static final class InvalidPreface extends BadMessageException {
        private static final long serialVersionUID = 1L;

        InvalidPreface() {
            super(400, "invalid HTTP/2 connection preface");
        }
    }

    /** A request whose body reads fail once the client sends slower than the minimum rate. */
    private final class RateStream extends HttpStreamOverHTTP1 {
        private long waitingSince;
        private long waitedNanos;
        private long bytes;
        private Content.Chunk failure;

        RateStream(String method, String uri, HttpVersion version) {
            super(method, uri, version);
        }

        @Override
        public void demand() {
            synchronized (this) {
                if (waitingSince == 0) {
                    waitingSince = System.nanoTime();
                }
            }
            super.demand();
        }

        @Override
        public Content.Chunk read() {
            synchronized (this) {
                if (failure != null) {
                    return failure;
                }
            }
            Content.Chunk chunk = super.read();
            if (chunk == null || Content.Chunk.isFailure(chunk)) {
                return chunk;
            }
            synchronized (this) {
                if (waitingSince != 0) {
                    waitedNanos += System.nanoTime() - waitingSince;
                    waitingSince = 0;
                }
                bytes += chunk.remaining();
                long rate = hardening.minRequestRate();
                if (chunk.isLast() || waitedNanos < RATE_GRACE_NANOS
                    || bytes >= rate * (double) waitedNanos / TimeUnit.SECONDS.toNanos(1)) {
                    return chunk;
                }
                chunk.release();
                LOG.debug("{}: request body at {} bytes in {} ms, below {} bytes/s: 408", getEndPoint().getRemoteSocketAddress(),
                    bytes, TimeUnit.NANOSECONDS.toMillis(waitedNanos), rate);
                failure = Content.Chunk.from(new BadMessageException(408, "request body slower than " + rate + " bytes/s"), true);
                return failure;
            }
        }
    }
}
