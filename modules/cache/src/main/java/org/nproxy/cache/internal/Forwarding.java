package org.nproxy.cache.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;

/**
 * Runs the inner handler (the rest of the location's chain) on a request and waits, on this
 * virtual thread, until it completed its callback: the cache acts only once the answer is whole.
 */
public final class Forwarding {
    /** How one pass through the inner handler ended. */
    public enum Result { DONE, FAILED, NOT_HANDLED }

    /** The result with the failure, if any. */
    public record Outcome(Result result, Throwable failure) {
    }

    private Forwarding() {
    }

    /** Forwards and waits at most {@code bound} (a timeout counts as a failure). */
    public static Outcome run(Handler inner, Request request, CaptureResponse response, Duration bound) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Callback callback = new Callback() {
            @Override
            public void succeeded() {
                done.complete(null);
            }

            @Override
            public void failed(Throwable x) {
                done.completeExceptionally(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        };
        try {
            if (inner == null || !inner.handle(request, response, callback)) {
                return new Outcome(Result.NOT_HANDLED, null);
            }
            done.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return new Outcome(Result.DONE, null);
        } catch (ExecutionException e) {
            response.markFailed();
            return new Outcome(Result.FAILED, e.getCause());
        } catch (TimeoutException e) {
            response.markFailed();
            return new Outcome(Result.FAILED, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.markFailed();
            return new Outcome(Result.FAILED, e);
        } catch (Throwable x) {
            response.markFailed();
            return new Outcome(Result.FAILED, x);
        }
    }
}
