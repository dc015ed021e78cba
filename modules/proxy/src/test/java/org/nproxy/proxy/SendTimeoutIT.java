package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.nproxy.testing.LogCapture;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * {@code send-timeout}: a peer that stops reading the request body fails the attempt after that
 * long without progress, apart from {@code read-timeout}, which covers only the answer.
 */
class SendTimeoutIT {
    private static final long UPLOAD = 256L << 20; // far more than the socket buffers hold

    /** The config: one peer, send-timeout 1s, read-timeout long enough never to be the one that fires. */
    private static String config(Origin origin) {
        return Proxies.config("", List.of(origin.address()), "send-timeout=\"1s\" read-timeout=\"30s\"", "", "");
    }

    private static CompletableFuture<Result> upload(Rig rig, String pathQuery, CountDownLatch headers) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        rig.client.newRequest(rig.uri(pathQuery)).method(HttpMethod.POST)
            .body(new InputStreamRequestContent(new Zeros(UPLOAD), 64 * 1024))
            .onResponseHeaders(r -> headers.countDown())
            .timeout(30, TimeUnit.SECONDS)
            .send(done::complete);
        return done;
    }

    @Test
    void aPeerThatStopsReadingTheUploadGives504AfterSendTimeout() throws Exception {
        try (Origin origin = new Origin("a"); Rig rig = Rig.start(config(origin)); LogCapture log = new LogCapture()) {
            long start = System.nanoTime();
            Result result = upload(rig, "/stall?ms=8000", new CountDownLatch(1)).get(30, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - start) / 1_000_000;
            // The client is still uploading when the 504 goes out, and Jetty then closes a
            // connection whose body was not read: the client may see the reset (broken pipe)
            // before it reads the 504 (nginx's lingering_close has no Jetty counterpart here).
            int status = result.getResponse().getStatus();
            assertTrue(status == 504 || (status == 0 && result.getFailure() instanceof java.io.IOException),
                "504 or the connection closed under the upload; got " + status + ", failure: " + result.getFailure());
            // 8 s is when the peer would answer; read-timeout is 30 s: only send-timeout ends it this early
            assertTrue(ms < 7_000, "504 after " + ms + " ms");
            String line = log.awaitLine("peer " + origin.address() + " failed on POST /stall?ms=8000", "send-timeout 1s");
            assertNotNull(line, "a log line names the peer and send-timeout:\n" + log.text());
        }
    }

    @Test
    void afterTheAnswerStartedTheClientConnectionIsCut() throws Exception {
        try (Origin origin = new Origin("a"); Rig rig = Rig.start(config(origin)); LogCapture log = new LogCapture()) {
            CountDownLatch headers = new CountDownLatch(1);
            long start = System.nanoTime();
            Result result = upload(rig, "/early?ms=8000", headers).get(30, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(0, headers.getCount(), "the answer had started");
            assertEquals(200, result.getResponse().getStatus());
            assertNotNull(result.getResponseFailure(), "the answer was cut, not completed");
            assertTrue(ms < 7_000, "cut after " + ms + " ms");
            String line = log.awaitLine("peer " + origin.address() + " failed on POST /early?ms=8000", "after the answer started",
                "send-timeout 1s");
            assertNotNull(line, "a log line names the peer and send-timeout:\n" + log.text());
        }
    }

    @Test
    void aClientPausingItsUploadIsNotAPeerTimeout() throws Exception {
        String config = Proxies.config("", List.of("PEER"), "send-timeout=\"500ms\" read-timeout=\"500ms\"", "", "");
        try (Origin origin = new Origin("a"); Rig rig = Rig.start(config.replace("PEER", origin.address()))) {
            AsyncRequestContent content = new AsyncRequestContent();
            var response = new CompletableResponseListener(rig.client.newRequest(rig.uri("/echo-body"))
                .method(HttpMethod.PUT).body(content).timeout(10, TimeUnit.SECONDS)).send();
            content.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), Callback.NOOP);
            Thread.sleep(1_500); // three times both timeouts: the peer waits on us, that is not its fault
            content.write(ByteBuffer.wrap(new byte[] {4, 5}), Callback.NOOP);
            content.close();
            ContentResponse r = response.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.getStatus());
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, r.getContent());
        }
    }
}
