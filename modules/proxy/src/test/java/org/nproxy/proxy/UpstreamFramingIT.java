package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;

/**
 * Issue 18, bullet 3: upstream framing per RFC 9112 section 6.3 and interim responses, with a raw
 * origin that writes exactly the bytes under test.
 */
class UpstreamFramingIT {
    private static String config(RawOrigin origin) {
        // max-fails=1: a failure counted against the only peer would answer the next request 502.
        return Proxies.config("", List.of(origin.address()), "", "", "").replace(
            "address=\"" + origin.address() + "\"", "address=\"" + origin.address() + "\" max-fails=\"1\"");
    }

    /**
     * RFC 9112 section 6.3 says: read until close. Jetty 12.0.30's client parser refuses such an
     * answer before Nproxy sees it (docs/proxy.md, "Upstream framing"): what is tested is the
     * limit's honest handling, a 502 naming it, and the peer not taken out for it.
     */
    @Test
    void aTransferCodingNotEndingInChunkedIsNotThePeersFault() throws Exception {
        try (RawOrigin origin = new RawOrigin(); Rig nproxy = Rig.start(config(origin))) {
            byte[] text = "close-delimited body, transfer-coded with gzip\n".repeat(100).getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(text);
            }
            origin.answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: gzip\r\n"
                + "Connection: close\r\n\r\n", gz.toByteArray());
            String raw = Http.exchange(nproxy.port(), "GET /te HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertEquals(502, Http.status(raw), raw);
            assertTrue(Http.body(raw).contains("transfer coding this proxy cannot read"), raw);
            origin.answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n", "ok".getBytes());
            assertEquals(200, Http.status(Http.exchange(nproxy.port(), "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")),
                "the peer was not taken out");
        }
    }

    @Test
    void earlyHintsReachTheClient() throws Exception {
        try (RawOrigin origin = new RawOrigin(); Rig nproxy = Rig.start(config(origin))) {
            origin.answer("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", "final".getBytes());
            // Read to the end of the answer, not to a close: after an interim answer Jetty 12.0.30's
            // HTTP/1.1 server does not honour the client's Connection: close (docs/proxy.md).
            String raw = readUntil(nproxy.port(), "GET /hints HTTP/1.1\r\nHost: a\r\n\r\n", "final");
            assertTrue(raw.startsWith("HTTP/1.1 103 "), raw);
            String hints = raw.substring(0, raw.indexOf("\r\n\r\n"));
            assertTrue(hints.contains("Link: </style.css>; rel=preload; as=style"), hints);
            String rest = raw.substring(raw.indexOf("\r\n\r\n") + 4);
            assertEquals(200, Http.status(rest), rest);
            assertEquals("final", Http.body(rest));
        }
    }


    /** Sends {@code request} and reads until the answer contains {@code end} (the connection stays open). */
    static String readUntil(int port, String request, String end) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            byte[] buf = new byte[4096];
            while (!sb.toString().contains(end)) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
            return sb.toString();
        }
    }
}
