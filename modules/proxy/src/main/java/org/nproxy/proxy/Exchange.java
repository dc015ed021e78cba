package org.nproxy.proxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.io.Content;
import org.nproxy.proxy.balance.Member;

/**
 * One attempt against one peer: a client listener that hands the upstream response and its body
 * (as a {@link Content.Source}, read on demand, never buffered) to the waiting handler thread,
 * and keeps the peer's in-flight count and latency average right whatever happens.
 */
final class Exchange implements Response.Listener {
    private final Member member;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<Content.Source> headers = new CompletableFuture<>();
    private volatile Response upstreamToProxyResponse;

    Exchange(Member member) {
        this.member = member;
        member.state().begin();
    }

    Member member() {
        return member;
    }

    Response response() {
        return upstreamToProxyResponse;
    }

    /** Blocks until the upstream response headers arrived; throws the failure otherwise. */
    Content.Source awaitHeaders() throws Throwable {
        try {
            return headers.join();
        } catch (CompletionException e) {
            throw e.getCause() == null ? e : e.getCause();
        }
    }

    @Override
    public void onHeaders(Response response) {
        upstreamToProxyResponse = response;
        member.state().observe(System.nanoTime() - startNanos);
    }

    @Override
    public void onContentSource(Response response, Content.Source source) {
        upstreamToProxyResponse = response;
        headers.complete(source);
    }

    @Override
    public void onComplete(Result result) {
        member.state().end();
        if (result.isFailed()) {
            headers.completeExceptionally(result.getFailure());
        } else {
            upstreamToProxyResponse = result.getResponse();
            headers.complete(Content.Source.from(java.nio.ByteBuffer.allocate(0))); // no body
        }
    }
}
