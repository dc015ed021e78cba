package org.nproxy.files.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import org.eclipse.jetty.http.DateGenerator;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.nproxy.files.StaticSettings;
import org.nproxy.spi.Handlers;

/**
 * Answers for one regular file: picks a precompressed sibling, sets the representation
 * headers, evaluates preconditions and ranges, and sends the body (zero-copy when possible).
 *
 * <p>Never blocks the calling thread on the network: answers without a body and single-part
 * bodies up to {@link StaticSettings#inlineMax()} finish here ({@link InlineBody}); larger or
 * multipart bodies are sent by {@link BodySender} on a virtual thread ({@link Offload}), which
 * then owns the open file. File-system calls (stat, open, reads of a small file) do run here,
 * as they do in nginx's event loop.
 */
final class FileResponder {
    private final StaticSettings settings;

    FileResponder(StaticSettings settings) {
        this.settings = settings;
    }

    void respond(Request request, Response response, Callback callback, PathGuard.Found found) throws IOException {
        try {
            respondOrThrow(request, response, callback, found);
        } catch (IOException e) {
            // Before anything is committed: Jetty answers 500; after: it closes the connection.
            callback.failed(e);
        }
    }

    private void respondOrThrow(Request request, Response response, Callback callback, PathGuard.Found found)
        throws IOException {
        HttpFields.Mutable headers = response.getHeaders();
        String type = MimeTable.lookup(settings.mimeTypes(), found.real().getFileName().toString(), settings.defaultType());
        if (settings.charset() != null && MimeTable.isText(type)) {
            type = type + "; charset=" + settings.charset();
        }
        Path path = found.real();
        BasicFileAttributes attributes = found.attributes();
        if (!settings.precompressed().isEmpty()) {
            boolean anySibling = false;
            String accept = request.getHeaders().get(HttpHeader.ACCEPT_ENCODING);
            for (StaticSettings.Encoding encoding : settings.precompressed()) {
                Path sibling = path.resolveSibling(path.getFileName() + encoding.suffix());
                BasicFileAttributes a = regularFile(sibling);
                if (a == null) {
                    continue;
                }
                anySibling = true;
                if (accepts(accept, encoding.token())) {
                    path = sibling;
                    attributes = a;
                    headers.put(HttpHeader.CONTENT_ENCODING, encoding.token());
                    break;
                }
            }
            if (anySibling) {
                headers.add(HttpHeader.VARY, "Accept-Encoding");
            }
        }

        FileChannel file;
        try {
            file = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            // Stat said yes, open said no: gone since (404), not readable (403), or worse (500).
            headers.remove(HttpHeader.CONTENT_ENCODING);
            if (FileErrors.classify(settings.directory(), path, e) instanceof PathGuard.Failed failed) {
                FileErrors.answer(request, response, callback, failed);
            } else {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
            return;
        }
        boolean handedOff = false;
        try {
            // The size of what we opened, not of an earlier stat: Content-Length must match what we can send.
            long size = file.size();
            long modified = attributes.lastModifiedTime().toMillis() / 1000;
            String etag = settings.etag() ? "\"" + Long.toHexString(modified) + "-" + Long.toHexString(size) + "\"" : null;
            headers.put(HttpHeader.LAST_MODIFIED, DateGenerator.formatDate(modified * 1000));
            if (etag != null) {
                headers.put(HttpHeader.ETAG, etag);
            }
            cacheHeaders(headers);

            HttpFields in = request.getHeaders();
            switch (Validators.evaluate(in.get(HttpHeader.IF_MATCH), in.get(HttpHeader.IF_UNMODIFIED_SINCE),
                in.get(HttpHeader.IF_NONE_MATCH), in.get(HttpHeader.IF_MODIFIED_SINCE), etag, modified)) {
                case NOT_MODIFIED -> {
                    headers.remove(HttpHeader.CONTENT_ENCODING);
                    response.setStatus(HttpStatus.NOT_MODIFIED_304);
                    Handlers.endWithoutBody(response, callback);
                    return;
                }
                case PRECONDITION_FAILED -> {
                    headers.remove(HttpHeader.CONTENT_ENCODING);
                    Response.writeError(request, response, callback, HttpStatus.PRECONDITION_FAILED_412);
                    return;
                }
                default -> {
                }
            }

            headers.put(HttpHeader.ACCEPT_RANGES, "bytes");
            Body body = new Body(List.of(new Body.Region(0, size)));
            String range = in.get(HttpHeader.RANGE);
            String ifRange = in.get(HttpHeader.IF_RANGE);
            if (range != null && HttpMethod.GET.is(request.getMethod())
                && (ifRange == null || Validators.ifRange(ifRange, etag, modified))) {
                List<Ranges.Range> ranges = Ranges.parse(range, size);
                if (ranges != null && ranges.isEmpty()) {
                    headers.remove(HttpHeader.CONTENT_ENCODING);
                    headers.put(HttpHeader.CONTENT_RANGE, "bytes */" + size);
                    headers.put(HttpHeader.CONTENT_LENGTH, 0L);
                    response.setStatus(HttpStatus.RANGE_NOT_SATISFIABLE_416);
                    Handlers.endWithoutBody(response, callback);
                    return;
                }
                if (ranges != null && ranges.size() == 1) {
                    Ranges.Range r = ranges.get(0);
                    response.setStatus(HttpStatus.PARTIAL_CONTENT_206);
                    headers.put(HttpHeader.CONTENT_RANGE, "bytes " + r.first() + "-" + r.last() + "/" + size);
                    body = new Body(List.of(new Body.Region(r.first(), r.length())));
                } else if (ranges != null) {
                    String boundary = "nproxy" + Long.toHexString(ThreadLocalRandom.current().nextLong() | 1L << 62);
                    response.setStatus(HttpStatus.PARTIAL_CONTENT_206);
                    body = multipart(ranges, type, size, boundary);
                    type = "multipart/byteranges; boundary=" + boundary;
                }
            }
            headers.put(HttpHeader.CONTENT_TYPE, type);
            headers.put(HttpHeader.CONTENT_LENGTH, body.length());
            if (HttpMethod.HEAD.is(request.getMethod())) {
                Handlers.endWithoutBody(response, callback);
                return;
            }
            if (body.parts().size() == 1 && body.length() <= settings.inlineMax()) {
                // One read and one gathering write of headers + body beat a thread hand-off plus sendfile(2).
                InlineBody.send(request, response, callback, file, (Body.Region) body.parts().get(0));
                return;
            }
            handedOff = true;
            Body whole = body;
            Offload.run(request, settings.inPlace(), callback, file, () -> {
                if (settings.sendfile() && BodySender.zeroCopyPossible(request, response)) {
                    BodySender.sendfile(request, response, file, whole);
                } else {
                    BodySender.copy(request, response, file, whole, settings.chunkSize());
                }
            });
        } finally {
            if (!handedOff) {
                closeQuietly(file);
            }
        }
    }

    private static void closeQuietly(FileChannel file) {
        try {
            file.close();
        } catch (IOException ignored) {
            // The answer is already decided; a failed close of a read-only file changes nothing for it.
        }
    }

    private void cacheHeaders(HttpFields.Mutable headers) {
        if (settings.cacheControl() != null) {
            headers.put(HttpHeader.CACHE_CONTROL, settings.cacheControl());
        }
        if (settings.expires() != null) {
            long seconds = settings.expires().toSeconds();
            headers.put(HttpHeader.EXPIRES, DateGenerator.formatDate(System.currentTimeMillis() + seconds * 1000));
            if (settings.cacheControl() == null) {
                headers.put(HttpHeader.CACHE_CONTROL, seconds > 0 ? "max-age=" + seconds : "no-cache");
            }
        }
    }

    private static Body multipart(List<Ranges.Range> ranges, String type, long size, String boundary) {
        List<Body.Part> parts = new ArrayList<>();
        for (Ranges.Range r : ranges) {
            parts.add(new Body.Bytes(StaticHandler.utf8("\r\n--" + boundary + "\r\nContent-Type: " + type
                + "\r\nContent-Range: bytes " + r.first() + "-" + r.last() + "/" + size + "\r\n\r\n")));
            parts.add(new Body.Region(r.first(), r.length()));
        }
        parts.add(new Body.Bytes(StaticHandler.utf8("\r\n--" + boundary + "--\r\n")));
        return new Body(parts);
    }

    private static BasicFileAttributes regularFile(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? a : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether Accept-Encoding lists the token (or *) with a non-zero q. */
    static boolean accepts(String acceptEncoding, String token) {
        if (acceptEncoding == null) {
            return false;
        }
        boolean star = false;
        for (String item : acceptEncoding.split(",")) {
            String[] p = item.trim().split(";");
            String name = p[0].trim().toLowerCase(Locale.ROOT);
            double q = 1;
            for (int i = 1; i < p.length; i++) {
                String param = p[i].trim();
                if (param.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(param.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            if (name.equals(token)) {
                return q > 0;
            }
            if (name.equals("*")) {
                star = q > 0;
            }
        }
        return star;
    }

}
