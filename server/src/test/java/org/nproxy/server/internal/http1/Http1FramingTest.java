package org.nproxy.server.internal.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Gen;

/**
 * {@link Http1Framing} on byte streams cut at random places, as fills bring them: pipelined
 * requests with Content-Length and chunked bodies (with extensions and trailers) are followed
 * head by head, and a bare LF in a chunk line is found at its exact byte wherever the cuts fall.
 */
class Http1FramingTest {
    /** Records head starts and ends; says whether the deadline took the head. */
    private static final class Heads implements Http1Framing.Events {
        int started;
        int ended;
        boolean expired;

        @Override
        public void headStarted() {
            started++;
        }

        @Override
        public boolean headEnded() {
            ended++;
            return !expired;
        }
    }

    private record Outcome(int result, int badIndex, Heads heads, int state) {
    }

    /** Feeds {@code stream} in pieces cut at random, stopping at the first result other than OK. */
    private static Outcome feed(Gen g, String stream, boolean h2c) {
        byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
        Heads heads = new Heads();
        Http1Framing framing = new Http1Framing(heads, h2c);
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length + 64);
        buffer.position(17).put(bytes); // not at index 0, as in a reused buffer
        int i = 17;
        int end = 17 + bytes.length;
        while (i < end) {
            int piece = g.bool() ? 1 : g.intBetween(1, Math.max(1, end - i));
            int to = Math.min(end, i + piece);
            int r = framing.scan(buffer, i, to);
            if (r != Http1Framing.OK) {
                return new Outcome(r, framing.badIndex() - 17, heads, framing.state());
            }
            i = to;
        }
        return new Outcome(Http1Framing.OK, -1, heads, framing.state());
    }

    private static String chunked(Gen g, String body, String eol) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int n = Math.min(body.length() - i, g.intBetween(1, 9));
            out.append(Integer.toHexString(n)).append(g.bool() ? "" : ";ext=\"a b\"").append(eol)
                .append(body, i, i + n).append("\r\n");
            i += n;
        }
        out.append("0").append(eol);
        if (g.bool()) {
            out.append("X-Trailer: ").append(g.string("abc \t", 0, 5)).append("\r\n");
        }
        return out.append("\r\n").toString();
    }

    private static String request(Gen g, List<String> kinds) {
        String body = g.string("abcdefghij\r\n0123456789", 0, 40);
        int kind = g.intBetween(0, 3);
        String eol = g.bool() ? "\r\n" : "\n"; // Jetty takes bare LF in heads: so does the tracker
        return switch (kind) {
            case 0 -> {
                kinds.add("get");
                yield (g.bool() ? "\r\n" : "") + "GET /x HTTP/1.1" + eol + "Host: a" + eol + "Content-Type: text/plain" + eol + eol;
            }
            case 1 -> {
                kinds.add("length");
                yield "POST /x HTTP/1.1" + eol + "Host: a" + eol + "content-LENGTH:  " + body.length() + " " + eol + eol + body;
            }
            case 2 -> {
                kinds.add("chunked");
                yield "POST /x HTTP/1.1" + eol + "Transfer-Encoding: gzip" + eol + "Host: a" + eol
                    + "TRANSFER-encoding: Chunked " + eol + eol + chunked(g, body, "\r\n");
            }
            default -> {
                kinds.add("pri-like");
                yield "PRIVATE /x HTTP/1.1" + eol + "Host: a" + eol + "Transfer-Encoding: gzip, chunked" + eol + eol
                    + chunked(g, body, "\r\n");
            }
        };
    }

    @Test
    void pipelinedRequestsAreFollowedHeadByHeadWhereverTheFillsEnd() {
        Gen.forAll(18_000, 400, g -> {
            List<String> kinds = new ArrayList<>();
            StringBuilder stream = new StringBuilder();
            int n = g.intBetween(1, 6);
            for (int i = 0; i < n; i++) {
                stream.append(request(g, kinds));
            }
            Outcome outcome = feed(g, stream.toString(), true);
            assertEquals(Http1Framing.OK, outcome.result(), kinds + " " + stream);
            assertEquals(n, outcome.heads().started, kinds + " " + stream);
            assertEquals(n, outcome.heads().ended, kinds + " " + stream);
        });
    }

    @Test
    void aBareLfInAChunkLineIsFoundAtItsByte() {
        Gen.forAll(18_500, 300, g -> {
            List<String> kinds = new ArrayList<>();
            String before = g.bool() ? request(g, kinds) : "";
            String head = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
            String good = chunked(g, "hello world", "\r\n");
            String[] breaks = {"5\nhello\r\n", "5;x=y\nhello\r\n", "5\r\nhello\n", "5\r\nhelloA\r\n", "\r\n5\r\nhello\r\n", "0\n\r\n"};
            int which = g.intBetween(0, breaks.length - 1);
            String bad = breaks[which];
            int expected = before.length() + head.length() + switch (which) {
                case 0 -> 1;
                case 1 -> 5;
                case 2, 3 -> 8;
                case 4 -> 0;
                default -> 1;
            };
            String stream = before + head + bad + good + "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
            Outcome outcome = feed(g, stream, true);
            assertEquals(Http1Framing.BAD_CHUNK, outcome.result(), stream);
            assertEquals(expected, outcome.badIndex(), stream);
            assertEquals(Http1Framing.PASSIVE, outcome.state());
        });
    }

    @Test
    void onlyTheExactPrefaceWithoutFieldsPassesAndOnlyWithH2c() {
        Gen.forAll(19_000, 100, g -> {
            assertEquals(Http1Framing.OK, feed(g, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4", true).result());
            assertEquals(Http1Framing.BAD_PREFACE, feed(g, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false).result());
            for (String bad : new String[] {"PRI * HTTP/2.0\r\nHost: x\r\n\r\nSM\r\n\r\n", "PRI / HTTP/2.0\r\n\r\nSM\r\n\r\n",
                "PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n", "PRI * HTTP/2.00\r\n\r\n"}) {
                assertEquals(Http1Framing.BAD_PREFACE, feed(g, bad, true).result(), bad);
            }
        });
    }

    @Test
    void headsJettyRefusesStopTheFollowingButAreNotRefusedHere() {
        Gen.forAll(19_500, 50, g -> {
            for (String head : new String[] {
                "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"}) {
                Outcome outcome = feed(g, head + "5\nhello\r\n0\r\n\r\n", true);
                assertEquals(Http1Framing.OK, outcome.result(), head);
                assertEquals(Http1Framing.PASSIVE, outcome.state(), head);
            }
        });
    }

    @Test
    void aHeadTheDeadlineTookEndsTheFollowing() {
        Gen g = new Gen(20_000);
        byte[] bytes = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        Heads heads = new Heads();
        heads.expired = true;
        Http1Framing framing = new Http1Framing(heads, false);
        assertEquals(Http1Framing.TIMED_OUT, framing.scan(ByteBuffer.wrap(bytes), 0, bytes.length));
        assertEquals(Http1Framing.PASSIVE, framing.state(), "seed " + g.seed());
    }
}
