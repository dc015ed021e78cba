package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;

/** Trailers cross the proxy both ways, from HTTP/1.1 (chunked) and h2 clients, over a real origin. */
class TrailersIT {
    static Origin origin;
    static Rig rig;
    static HttpClient h2;

    @BeforeAll
    static void start() throws Exception {
        origin = new Origin("a");
        rig = Rig.start(Proxies.simple(origin.address()).replace("port=\"0\"/>", "port=\"0\" protocols=\"h2c http/1.1\"/>"));
        h2 = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        h2.start();
    }

    @AfterAll
    static void stop() throws Exception {
        h2.stop();
        rig.close();
        origin.close();
    }

    @Test
    void responseTrailersReachAnHttp11ClientInTheLastChunk() throws Exception {
        String raw = Http.exchange(rig.port(), "GET /trailers HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        String lower = raw.toLowerCase(Locale.ROOT);
        assertEquals(200, Http.status(raw));
        assertTrue(lower.contains("transfer-encoding: chunked"), raw);
        assertTrue(lower.contains("trailer: x-checksum, x-parts"), "the announcement is forwarded: " + raw);
        // the last chunk, then the trailer fields, then the empty line
        assertTrue(raw.matches("(?s).*\r\n0\r\n(X-Checksum: 42\r\nX-Parts: 2|X-Parts: 2\r\nX-Checksum: 42)\r\n\r\n$"), raw);

        ContentResponse r = rig.get("/trailers");
        assertEquals("part one,part two", r.getContentAsString());
        HttpFields trailers = r.getTrailers();
        assertNotNull(trailers, "trailers seen by the Jetty client");
        assertEquals("42", trailers.get("X-Checksum"));
        assertEquals("2", trailers.get("X-Parts"));
    }

    @Test
    void responseTrailersReachAnH2Client() throws Exception {
        ContentResponse r = h2.GET(rig.uri("/trailers"));
        assertEquals(200, r.getStatus());
        assertEquals("HTTP/2.0", r.getVersion().asString());
        assertEquals("part one,part two", r.getContentAsString());
        assertNotNull(r.getTrailers(), "h2 trailers HEADERS frame");
        assertEquals("42", r.getTrailers().get("X-Checksum"));
    }

    @Test
    void answersWithoutTrailersAreUnchanged() throws Exception {
        ContentResponse r = rig.get("/download?size=1000");
        assertEquals(1000, r.getContent().length);
        assertEquals("1000", r.getHeaders().get("Content-Length"), "a length-delimited answer stays so");
        assertEquals(null, r.getTrailers());
    }

    @Test
    void requestTrailersFromAnHttp11ClientReachTheUpstream() throws Exception {
        String raw = Http.exchange(rig.port(), "POST /echo-body HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
            + "Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
            + "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 99\r\nX-Note: last\r\n\r\n");
        assertEquals(200, Http.status(raw));
        assertTrue(raw.contains("X-Trailers: X-Sum=99, X-Note=last"), raw);
        assertTrue(raw.endsWith("hello world") || raw.contains("hello world"), raw);
        assertEquals("hello world", new String(origin.lastBody, StandardCharsets.UTF_8));
    }

    @Test
    void trailersOfAnEarlierRequestOnTheSameConnectionAreNotForwardedAgain() throws Exception {
        String first = "POST /echo-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3\r\none\r\n0\r\nX-First: 1\r\n\r\n";
        String plain = "POST /echo-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3\r\ntwo\r\n0\r\n\r\n";
        String second = "POST /echo-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + "5\r\nthree\r\n0\r\nX-Second: 2\r\n\r\n";
        String raw = Http.exchange(rig.port(), first + plain + second);
        List<String> trailerHeaders = raw.lines().filter(l -> l.startsWith("X-Trailers:")).toList();
        assertEquals(List.of("X-Trailers: X-First=1", "X-Trailers: ", "X-Trailers: X-Second=2"),
            trailerHeaders.stream().map(String::stripTrailing).map(l -> l.equals("X-Trailers:") ? "X-Trailers: " : l).toList(), raw);
    }

    @Test
    void requestTrailersAndBodyFromAnH2ClientReachTheUpstream() throws Exception {
        AsyncRequestContent content = new AsyncRequestContent();
        HttpFields.Mutable trailers = HttpFields.build();
        var request = h2.newRequest(rig.uri("/echo-body")).method(HttpMethod.POST).body(content)
            .trailersSupplier(() -> trailers).timeout(10, TimeUnit.SECONDS);
        var future = new org.eclipse.jetty.client.CompletableResponseListener(request).send();
        content.write(ByteBuffer.wrap("streamed ".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
        content.write(ByteBuffer.wrap("without length".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
        trailers.put("X-Digest", "abc");
        content.close();
        ContentResponse r = future.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.getStatus());
        assertEquals("streamed without length", r.getContentAsString(), "an h2 body without content-length is forwarded");
        assertEquals("x-digest=abc", r.getHeaders().get("X-Trailers").toLowerCase(Locale.ROOT), "h2 field names are lower case");
    }

    @Test
    void anH2RequestWithoutBodyIsSentWithoutOne() throws Exception {
        ContentResponse r = h2.GET(rig.uri("/echo"));
        String echo = r.getContentAsString().toLowerCase(Locale.ROOT);
        assertTrue(echo.startsWith("get /echo"), echo);
        assertFalse(echo.contains("transfer-encoding"), echo);
        assertFalse(echo.contains("content-length"), echo);
        List<String> lines = echo.lines().toList();
        assertTrue(lines.size() > 2, echo);
    }
}
