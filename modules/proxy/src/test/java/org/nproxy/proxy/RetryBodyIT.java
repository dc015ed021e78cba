package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * {@code retry-body-max}: request bodies up to the limit are kept while they are sent and replayed
 * on the next peer; larger ones stream as before and are not retried.
 */
class RetryBodyIT {
    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String config(List<String> peers, String proxyAttrs) {
        return Proxies.config("", peers, proxyAttrs, "", "").replace("<peer address", "<peer max-fails=\"0\" address");
    }

    private static ContentResponse send(Rig rig, HttpMethod method, Request.Content body) throws Exception {
        return rig.client.newRequest(rig.uri("/echo-body")).method(method).body(body).timeout(10, TimeUnit.SECONDS).send();
    }

    @Test
    void bodiesWithinTheLimitAreReplayedOnTheNextPeerAfterAConnectFailure() throws Exception {
        String dead = "127.0.0.1:" + closedPort();
        try (Origin live = new Origin("live");
             Rig rig = Rig.start(config(List.of(dead, live.address()), "retry-body-max=\"64k\" retry-non-idempotent=\"true\""))) {
            for (int i = 0; i < 4; i++) {
                byte[] sized = bytes(10_000 + i, i);
                ContentResponse r = send(rig, HttpMethod.PUT, new BytesRequestContent(sized));
                assertEquals(200, r.getStatus(), "PUT with Content-Length, request " + i);
                assertArrayEquals(sized, r.getContent());
                assertArrayEquals(sized, live.lastBody, "the peer got the exact body");

                byte[] chunked = bytes(60_000 + i, 100 + i);
                r = send(rig, HttpMethod.POST, new InputStreamRequestContent(new ByteArrayInputStream(chunked), 4096));
                assertEquals(200, r.getStatus(), "chunked POST that turns out to fit, request " + i);
                assertArrayEquals(chunked, live.lastBody);
            }
            String status = rig.get("/upstreams").getContentAsString();
            String deadLine = status.lines().filter(l -> l.contains("peer=" + dead)).findFirst().orElseThrow();
            long failures = Long.parseLong(deadLine.replaceAll(".*failures=(\\d+).*", "$1"));
            assertTrue(failures >= 2, "the dead peer was tried first and failed: " + status);
        }
    }

    @Test
    void aBodyPartlySentToAPeerThatAnswersAFailStatusIsReplayedAndTheRestFollows() throws Exception {
        try (Origin failing = new Origin("failing"); Origin good = new Origin("good");
             Rig rig = Rig.start(config(List.of(failing.address(), good.address()),
                 "retry-body-max=\"1m\" fail-status=\"503\""))) {
            failing.forcedStatus = 503;
            for (int i = 0; i < 4; i++) {
                byte[] first = bytes(30_000, 7 + i);
                byte[] rest = bytes(50_000, 70 + i);
                AsyncRequestContent content = new AsyncRequestContent();
                Request request = rig.client.newRequest(rig.uri("/echo-body")).method(HttpMethod.PUT).body(content)
                    .timeout(10, TimeUnit.SECONDS);
                var response = new CompletableResponseListener(request, 1 << 20).send();
                content.write(ByteBuffer.wrap(first), Callback.NOOP);
                Thread.sleep(200); // the failing peer answers 503 while the client still sends
                content.write(ByteBuffer.wrap(rest), Callback.NOOP);
                content.close();
                ContentResponse r = response.get(10, TimeUnit.SECONDS);
                byte[] whole = Arrays.copyOf(first, first.length + rest.length);
                System.arraycopy(rest, 0, whole, first.length, rest.length);
                assertEquals(200, r.getStatus(), "request " + i);
                assertEquals("good", r.getHeaders().get("X-Origin"));
                assertArrayEquals(whole, good.lastBody, "kept part replayed, then the rest read on from the client");
            }
            assertTrue(failing.requests.get() >= 2, "the failing peer was tried: " + failing.requests.get());
        }
    }

    @Test
    void bodiesAboveTheLimitAreNotRetriedAndStillStream() throws Exception {
        String dead = "127.0.0.1:" + closedPort();
        try (Origin live = new Origin("live");
             Rig rig = Rig.start(config(List.of(dead, live.address()), "retry-body-max=\"16k\""))) {
            int refused = 0;
            int passed = 0;
            for (int i = 0; i < 6; i++) {
                byte[] big = bytes(100_000, i);
                Request.Content body = i % 2 == 0 ? new BytesRequestContent(big)
                    : new InputStreamRequestContent(new ByteArrayInputStream(big), 4096);
                ContentResponse r = send(rig, HttpMethod.PUT, body);
                if (r.getStatus() == 502) {
                    refused++;
                } else {
                    assertEquals(200, r.getStatus());
                    assertArrayEquals(big, live.lastBody, "a large body still streams whole");
                    passed++;
                }
            }
            assertTrue(refused >= 1 && passed >= 1, "502 on the dead peer without a retry: " + refused + " of 6");
        }
        try (Origin failing = new Origin("failing"); Origin good = new Origin("good");
             Rig rig = Rig.start(config(List.of(failing.address(), good.address()),
                 "retry-body-max=\"16k\" fail-status=\"503\""))) {
            failing.forcedStatus = 503;
            int passedOn = 0;
            for (int i = 0; i < 4; i++) {
                ContentResponse r = send(rig, HttpMethod.PUT, new BytesRequestContent(bytes(100_000, i)));
                passedOn += r.getStatus() == 503 ? 1 : 0;
            }
            assertTrue(passedOn >= 1, "the 503 of a peer is passed on when the body cannot be replayed");
        }
    }

    @Test
    void nonIdempotentMethodsStillNeedRetryNonIdempotent() throws Exception {
        String dead = "127.0.0.1:" + closedPort();
        try (Origin live = new Origin("live");
             Rig rig = Rig.start(config(List.of(dead, live.address()), "retry-body-max=\"64k\""))) {
            int refused = 0;
            for (int i = 0; i < 4; i++) {
                ContentResponse r = send(rig, HttpMethod.POST, new BytesRequestContent(bytes(1000, i)));
                refused += r.getStatus() == 502 ? 1 : 0;
            }
            assertTrue(refused >= 1, "a POST is not retried without retry-non-idempotent");
        }
    }
}
