package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.H2Wire;
import org.nproxy.testing.Http;

/**
 * Issue 18: interim answers of the peer reach HTTP/1.1 and h2 clients. {@code 100 Continue}: the
 * client's {@code Expect: 100-continue} goes to the peer, the peer's 100 comes back (its
 * {@code X-From} field proves whose it is), and only then is the body read and forwarded. Raw
 * sockets both sides: the origin writes exact bytes, the clients wait as a real client waits.
 */
class ContinueAndHintsIT {
    private static String config(RawOrigin origin) {
        return Proxies.config("", List.of(origin.address()), "", "", "")
            .replace("address=\"" + origin.address() + "\"", "address=\"" + origin.address() + "\" max-fails=\"1\"")
            .replace("<listen host=\"127.0.0.1\" port=\"0\"/>", "<listen host=\"127.0.0.1\" port=\"0\" protocols=\"http/1.1 h2c\"/>");
    }

    private static final String CONTINUE_THEN_OK = "HTTP/1.1 100 Continue\r\nX-From: origin\r\n\r\n"
        + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

    /** Reads from {@code in} until {@code text} was seen; returns all read. */
    private static String readUntil(InputStream in, String text) throws Exception {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[4096];
        while (!sb.toString().contains(text)) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    @Test
    void thePeersContinueReachesAnHttp11ClientThenItsBodyIsForwarded() throws Exception {
        try (RawOrigin origin = new RawOrigin(); Rig nproxy = Rig.start(config(origin));
             Socket client = new Socket("127.0.0.1", nproxy.port())) {
            origin.continueFirst = true;
            origin.continueDelayMs = 500;
            origin.answer(CONTINUE_THEN_OK, new byte[0]);
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            out.write(("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long start = System.nanoTime();
            InputStream in = client.getInputStream();
            String interim = readUntil(in, "\r\n\r\n");
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(interim.startsWith("HTTP/1.1 100 "), interim);
            // Jetty's HTTP/1.1 server writes a 100 without fields, so whose 100 it is shows in time: the
            // peer's comes after its 500 ms, before Nproxy's own would (at the 1 s wait; at once before).
            assertTrue(waited >= 450 && waited < UpstreamRequests.CONTINUE_WAIT_MILLIS - 50,
                "the peer's 100, not one of Nproxy's own: after " + waited + " ms");
            assertTrue(origin.received.isEmpty(), "no body before the 100");
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String rest = readUntil(in, "ok");
            assertEquals(200, Http.status(rest.substring(rest.indexOf("HTTP/1.1 2"))), rest);
            RawOrigin.Received r = origin.next();
            assertEquals("100-continue", r.header("Expect"));
            assertEquals("hello", new String(r.body(), StandardCharsets.ISO_8859_1));
        }
    }

    /**
     * A final answer before any 100 (here 401): relayed, the body never read or sent, the peer not
     * blamed and the exchange over (the next request is served by the same single peer).
     */
    @Test
    void aFinalAnswerBeforeAnyContinueIsRelayedAndTheBodyNeverSent() throws Exception {
        try (RawOrigin origin = new RawOrigin(); Rig nproxy = Rig.start(config(origin));
             Socket client = new Socket("127.0.0.1", nproxy.port())) {
            origin.ignoreBody = true;
            origin.answer("HTTP/1.1 401 Unauthorized\r\nContent-Length: 4\r\nConnection: close\r\n\r\n", "nope".getBytes());
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            String raw = readUntil(client.getInputStream(), "nope");
            assertTrue(raw.startsWith("HTTP/1.1 401 "), "no 100 first: " + raw);
            assertEquals("nope", Http.body(raw));
            assertEquals(0, origin.next().body().length);
            origin.ignoreBody = false;
            origin.answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n", "ok".getBytes());
            assertEquals(200, Http.status(Http.exchange(nproxy.port(), "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")));
        }
    }

    /** A peer that ignores Expect: after a second without its 100 the body goes, Nproxy's own 100 lets the client send it. */
    @Test
    void aPeerThatNeverSendsContinueStillGetsTheBody() throws Exception {
        try (RawOrigin origin = new RawOrigin(); Rig nproxy = Rig.start(config(origin));
             Socket client = new Socket("127.0.0.1", nproxy.port())) {
            origin.answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n", "ok".getBytes());
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            out.write(("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long start = System.nanoTime();
            InputStream in = client.getInputStream();
            String interim = readUntil(in, "\r\n\r\n");
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(interim.startsWith("HTTP/1.1 100 "), interim);
            assertTrue(waited >= UpstreamRequests.CONTINUE_WAIT_MILLIS - 100, "the 100 came after the wait: " + waited + " ms");
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertTrue(readUntil(in, "ok").contains("HTTP/1.1 200 "));
            assertEquals("hello", new String(origin.next().body(), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void thePeersContinueReachesAnH2ClientThenItsBodyIsForwarded() throws Exception {
        try (RawOrigin origin = new RawOrigin(); Rig nproxy = Rig.start(config(origin));
             H2Wire h2 = H2Wire.open(nproxy.port())) {
            origin.continueFirst = true;
            origin.answer(CONTINUE_THEN_OK, new byte[0]);
            h2.headers(1, false, ":method", "POST", ":scheme", "http", ":authority", "localhost", ":path", "/up",
                "content-length", "5", "expect", "100-continue");
            H2Answer answer = new H2Answer(h2, 1);
            assertTrue(answer.readUntil(100), answer.toString());
            assertEquals("origin", answer.heads().get(0).get("x-from"), "the peer's 100: " + answer);
            assertTrue(origin.received.isEmpty(), "no body before the 100");
            h2.data(1, true, "hello".getBytes(StandardCharsets.ISO_8859_1));
            answer.readUntil(-1);
            assertEquals(List.of(100, 200), answer.statuses(), answer.toString());
            assertEquals("ok", new String(answer.body(), StandardCharsets.ISO_8859_1));
            assertEquals("END_STREAM", answer.end());
            assertEquals("hello", new String(origin.next().body(), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void earlyHintsReachAnH2Client() throws Exception {
        try (RawOrigin origin = new RawOrigin(); Rig nproxy = Rig.start(config(origin));
             H2Wire h2 = H2Wire.open(nproxy.port())) {
            origin.answer("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", "final".getBytes());
            h2.headers(1, true, H2Wire.get("/hints"));
            H2Answer answer = H2Answer.read(h2, 1);
            assertEquals(List.of(103, 200), answer.statuses(), answer.toString());
            assertEquals("</style.css>; rel=preload; as=style", answer.heads().get(0).get("link"));
            assertNull(answer.heads().get(1).get("link"), "the hint is not repeated on the final answer by Nproxy");
            assertEquals("final", new String(answer.body(), StandardCharsets.ISO_8859_1));
        }
    }
}
