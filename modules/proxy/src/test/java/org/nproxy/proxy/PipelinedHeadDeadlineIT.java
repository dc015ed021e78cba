package org.nproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The request-head deadline when a pipelined head arrives incomplete behind a request that is
 * still being handled (here, waiting 2 s for the upstream): the later head's clock runs from
 * its first byte, but its 408 must not cross the answer being written before it. It comes once
 * that answer is complete and the server waits for the rest of the head.
 */
class PipelinedHeadDeadlineIT {
    private static Origin origin;

    @BeforeAll
    static void start() throws Exception {
        origin = new Origin("a");
    }

    @AfterAll
    static void stop() throws Exception {
        origin.close();
    }

    @Test
    void the408OfAnIncompletePipelinedHeadWaitsForTheAnswerBeforeIt() throws Exception {
        String config = Proxies.simple(origin.address()).replace("<nproxy>", "<nproxy header-timeout=\"500ms\">");
        try (Rig nproxy = Rig.start(config); Socket socket = new Socket("127.0.0.1", nproxy.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            long start = System.nanoTime();
            out.write("GET /stall?ms=2000 HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            long millis = (System.nanoTime() - start) / 1_000_000;
            int ok = answer.indexOf("HTTP/1.1 200 ");
            int timeout = answer.indexOf("HTTP/1.1 408 ");
            assertTrue(ok == 0, "the stalled request's answer comes first and whole: " + answer);
            assertTrue(timeout > 0 && answer.substring(0, timeout).contains("\r\n\r\n"), "then the 408: " + answer);
            assertTrue(millis >= 2000 && millis < 6000, "closed after " + millis + " ms");
        }
    }
}
