package org.nproxy.server.internal.h2;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 over TLS whose malformed requests end as RFC 9113 wants: a stream error
 * RST_STREAM(PROTOCOL_ERROR) (§8.1.1), not the 400 page and RST_STREAM(CANCEL) of Jetty 12.0.
 * The check sits in the session listener, the first place that sees a stream's decoded header
 * block before Jetty turns it into a request ({@link StrictSessionListener}).
 */
public final class StrictH2Factory extends HTTP2ServerConnectionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(StrictH2Factory.class);

    public StrictH2Factory(HttpConfiguration config) {
        super(config);
    }

    @Override
    protected ServerSessionListener newSessionListener(Connector connector, EndPoint endPoint) {
        return new StrictSessionListener(this, endPoint);
    }

    /** Jetty's listener, with malformed header blocks reset before they become requests. */
    static final class StrictSessionListener extends HTTP2ServerConnectionFactory.HTTPServerSessionListener {
        StrictSessionListener(HTTP2ServerConnectionFactory factory, EndPoint endPoint) {
            factory.super(endPoint);
        }

        @Override
        public Stream.Listener onNewStream(Stream stream, HeadersFrame frame) {
            String malformed = H2Requests.malformed(frame.getMetaData());
            if (malformed == null) {
                return super.onNewStream(stream, frame);
            }
            LOG.debug("stream #{}: malformed request ({}): RST_STREAM(PROTOCOL_ERROR)", stream.getId(), malformed);
            stream.reset(new ResetFrame(stream.getId(), ErrorCode.PROTOCOL_ERROR.code), Callback.NOOP);
            return null; // no request: the stream's remaining DATA is discarded
        }

        /**
         * Jetty 12.0.30's session calls this only for a header block its HPACK layer found
         * malformed (MetaData.Failed): it would answer 400. A request header list over the limit
         * stays Jetty's 431, which RFC 9113 §10.5.1 allows.
         */
        @Override
        public void onStreamFailure(Stream stream, Throwable failure, Callback callback) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof HttpException http && http.getCode() == 431) {
                    super.onStreamFailure(stream, failure, callback);
                    return;
                }
            }
            LOG.debug("stream #{}: malformed request ({}): RST_STREAM(PROTOCOL_ERROR)", stream.getId(), failure.getMessage());
            stream.reset(new ResetFrame(stream.getId(), ErrorCode.PROTOCOL_ERROR.code), callback);
        }

        /**
         * A stream error Jetty found after the stream began (malformed trailers, a content-length
         * that the DATA does not match): send RST_STREAM with that error code before the request
         * fails, or Jetty's own reset for the failed request would say CANCEL.
         */
        @Override
        public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
            if (error == ErrorCode.PROTOCOL_ERROR.code && !stream.isReset()) {
                LOG.debug("stream #{}: {}: RST_STREAM(PROTOCOL_ERROR)", stream.getId(), reason);
                Runnable fail = () -> super.onFailure(stream, error, reason, failure, callback);
                stream.reset(new ResetFrame(stream.getId(), error), Callback.from(fail, x -> fail.run()));
                return;
            }
            super.onFailure(stream, error, reason, failure, callback);
        }

        /**
         * A stream that ends reset. Jetty 12.0.30 resets a stream whose DATA does not match its
         * {@code content-length} by itself ({@code HTTP2Stream#onData}) and tells the request
         * nothing: a handler waiting for the rest of the body (a proxy streaming it upstream)
         * waited for its idle timeout, its upstream exchange with it. Fail the request as a
         * client reset does; for a request that was already failed or completed this does nothing.
         */
        @Override
        public void onClosed(Stream stream) {
            if (stream.isReset()) {
                onReset(stream, new ResetFrame(stream.getId(), ErrorCode.PROTOCOL_ERROR.code), Callback.NOOP);
            }
        }

        @Override
        public void onHeaders(Stream stream, HeadersFrame frame) {
            String malformed = H2Requests.malformedTrailers(frame.getMetaData(), frame.isEndStream());
            if (malformed == null) {
                super.onHeaders(stream, frame);
                return;
            }
            LOG.debug("stream #{}: malformed trailers ({}): RST_STREAM(PROTOCOL_ERROR)", stream.getId(), malformed);
            ResetFrame reset = new ResetFrame(stream.getId(), ErrorCode.PROTOCOL_ERROR.code);
            // Reset first, then fail the request as a client reset would: Jetty's own reset is then a no-op.
            stream.reset(reset, Callback.from(() -> onReset(stream, reset, Callback.NOOP)));
        }
    }
}
