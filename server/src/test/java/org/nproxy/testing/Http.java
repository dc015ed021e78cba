package org.nproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Raw HTTP/1.1 over a socket, for requests real clients refuse to send (bad paths, no Host,
 * odd Host values). Sends the bytes as given and returns what the server answered until it
 * closed the connection or the response was complete.
 */
public final class Http {
    private Http() {
    }

    /** Sends {@code raw} (use \r\n) and reads one response; adds "Connection: close" handling to the caller. */
    public static String exchange(int port, String raw) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** A GET with Connection: close and the given Host (null = no Host header, HTTP/1.0). */
    public static String get(int port, String target, String host) throws IOException {
        String raw = host == null
            ? "GET " + target + " HTTP/1.0\r\n\r\n"
            : "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
        return exchange(port, raw);
    }

    /** Status code of a raw response. */
    public static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    /** Body of a raw (non-chunked) response. */
    public static String body(String response) {
        int i = response.indexOf("\r\n\r\n");
        return i < 0 ? "" : response.substring(i + 4);
    }
}
