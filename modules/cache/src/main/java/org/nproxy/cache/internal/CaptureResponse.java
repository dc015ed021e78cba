package org.nproxy.cache.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.nproxy.cache.store.BodyBuffer;

/**
 * The response the inner handler (the proxy) writes to. Status and header fields stay here until
 * its first write; then a {@link Plan} decides whether the answer goes on to the client (copied
 * over, every body write passed through) or is held back (a 304 of our own revalidation, an error
 * that stale-if-error hides, a background refresh), and whether its body is captured for the
 * store. A failed client write marks the capture unusable: a disconnect never leaves half an
 * entry.
 */
public final class CaptureResponse implements Response {
    /** What to do with the answer, decided once its status and header fields are known. */
    public record Plan(boolean passToClient, BodyBuffer capture) {
    }

    /** Decides the plan; may add fields (Cache-Status) to the headers before they go out. */
    public interface Planner {
        Plan plan(int status, HttpFields.Mutable headers);
    }

    private final Request request;
    private final Response client;
    private final Planner planner;
    private final HttpFields.Mutable headers = HttpFields.build();
    private int status = 200;
    private Supplier<HttpFields> trailers;
    private Plan plan;
    private volatile boolean lastWritten;
    private volatile boolean failed;
    private Collapser.Tee tee;
    private volatile Throwable clientGone;

    /**
     * @param request the request the inner handler serves
     * @param client  the client's response, or null when nobody waits for this answer
     */
    public CaptureResponse(Request request, Response client, Planner planner) {
        this.request = request;
        this.client = client;
        this.planner = planner;
    }

    /** Decides now if no write did (an answer ended without any write). */
    public Plan plan() {
        if (plan == null) {
            plan = planner.plan(status, headers);
            if (plan.passToClient() && client != null) {
                client.setStatus(status);
                HttpFields.Mutable out = client.getHeaders();
                for (HttpField f : headers) {
                    if (f.getHeader() == HttpHeader.DATE || f.getHeader() == HttpHeader.SERVER) {
                        out.put(f);
                    } else {
                        out.add(f);
                    }
                }
                if (trailers != null) {
                    client.setTrailersSupplier(trailers);
                }
            }
        }
        return plan;
    }

    /** Whether the last write went through and nothing failed: the captured body is whole. */
    public boolean complete() {
        return lastWritten && !failed && plan != null && (plan.capture() == null || !plan.capture().tooLarge());
    }

    public void markFailed() {
        failed = true;
    }

    /**
     * Shares the captured body with collapsed followers. When the client goes away while some
     * follower streams this answer, the fetch goes on without the client (for the followers and
     * the store) instead of failing.
     */
    public void tee(Collapser.Tee t) {
        tee = t;
    }

    /** Why the client's writes failed while followers kept the fetch going, or null. */
    public Throwable clientGone() {
        return clientGone;
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
        Plan p = plan();
        if (p.capture() != null && !failed) {
            try {
                p.capture().append(content);
            } catch (IOException e) {
                failed = true;
            }
        }
        if (tee != null && p.capture() != null && !failed) {
            tee.append(content);
        }
        if (!p.passToClient() || client == null || clientGone != null) {
            lastWritten |= last;
            callback.succeeded();
            return;
        }
        client.write(last, content == null ? BufferUtil.EMPTY_BUFFER : content, new Callback() {
            @Override
            public void succeeded() {
                lastWritten |= last;
                callback.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                if (tee != null && p.capture() != null && tee.followed()) {
                    clientGone = x;
                    lastWritten |= last;
                    callback.succeeded();
                    return;
                }
                failed = true;
                callback.failed(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        });
    }

    @Override
    public Request getRequest() {
        return request;
    }

    @Override
    public int getStatus() {
        return status;
    }

    @Override
    public void setStatus(int code) {
        if (plan == null) {
            status = code;
        }
    }

    @Override
    public HttpFields.Mutable getHeaders() {
        return headers;
    }

    @Override
    public Supplier<HttpFields> getTrailersSupplier() {
        return trailers;
    }

    @Override
    public void setTrailersSupplier(Supplier<HttpFields> supplier) {
        trailers = supplier;
        if (plan != null && plan.passToClient() && client != null) {
            client.setTrailersSupplier(supplier);
        }
    }

    @Override
    public boolean isCommitted() {
        return plan != null;
    }

    @Override
    public boolean hasLastWrite() {
        return lastWritten;
    }

    @Override
    public boolean isCompletedSuccessfully() {
        return lastWritten && !failed;
    }

    @Override
    public void reset() {
        if (plan != null) {
            throw new IllegalStateException("response already committed");
        }
        status = 200;
        headers.clear();
        trailers = null;
    }

    @Override
    public CompletableFuture<Void> writeInterim(int code, HttpFields fields) {
        return CompletableFuture.completedFuture(null); // 1xx answers are the proxy's concern, not the client's
    }
}
