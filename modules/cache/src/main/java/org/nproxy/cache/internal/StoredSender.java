package org.nproxy.cache.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Set;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.nproxy.cache.policy.Headers;
import org.nproxy.cache.store.StoredResponse;
import org.nproxy.spi.Handlers;

/**
 * Answers a client from a stored response (RFC 9111 §4): the stored fields with {@code Age}
 * (§5.1) and {@code Cache-Status}, the body from memory or its file in 64 KiB writes, nothing
 * for HEAD, one byte range as a 206 (RFC 9110 §14), or a 304 when the client's own
 * preconditions match (RFC 9110 §15.4.5 lists the fields it keeps).
 */
public final class StoredSender {
    private static final Set<String> NOT_MODIFIED_FIELDS = Set.of("cache-control", "content-location", "date", "etag",
        "expires", "vary", "last-modified");
    private static final int CHUNK = 64 * 1024;

    private StoredSender() {
    }

    /**
     * Opens the body file first, so that a file evicted since the look-up turns into a miss
     * (null) before anything is written.
     */
    public static FileChannel open(StoredResponse stored) {
        if (!stored.inFile()) {
            return null;
        }
        try {
            return stored.openFile();
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes the whole answer and completes the callback. */
    public static void send(StoredResponse stored, FileChannel file, boolean head, boolean notModified, ByteRange range,
                            long age, String cacheStatus, Response response, Callback callback) {
        HttpFields.Mutable out = response.getHeaders();
        Headers fields = stored.meta().headers();
        for (Headers.Field f : fields.fields()) {
            String lower = f.name().toLowerCase(java.util.Locale.ROOT);
            if (lower.equals("age") || lower.equals("content-length") || lower.equals("cache-status") || (notModified && !NOT_MODIFIED_FIELDS.contains(lower))) {
                continue;
            }
            HttpField field = new HttpField(f.name(), f.value());
            if (field.getHeader() == HttpHeader.DATE || field.getHeader() == HttpHeader.SERVER) {
                out.put(field);
            } else {
                out.add(field);
            }
        }
        out.put(HttpHeader.AGE, Long.toString(Math.max(0, age)));
        String behind = fields.get("Cache-Status"); // as the caches behind us said when it was stored
        out.put("Cache-Status", behind == null ? cacheStatus : cacheStatus + ", " + behind);
        if (notModified) {
            response.setStatus(304);
            closeQuietly(file);
            Handlers.endWithoutBody(response, callback);
            return;
        }
        long total = stored.meta().length();
        if (range == ByteRange.UNSATISFIABLE) {
            closeQuietly(file);
            out.put(HttpHeader.CONTENT_RANGE, "bytes */" + total);
            out.remove(HttpHeader.CONTENT_TYPE);
            out.put(HttpHeader.CONTENT_LENGTH, 0L);
            response.setStatus(416);
            Handlers.endWithoutBody(response, callback);
            return;
        }
        long first = range == null ? 0 : range.first();
        long length = range == null ? total : range.length();
        if (range != null) {
            response.setStatus(206);
            out.put(HttpHeader.CONTENT_RANGE, "bytes " + range.first() + "-" + range.last() + "/" + total);
        } else {
            response.setStatus(stored.meta().status());
        }
        out.put(HttpHeader.CONTENT_LENGTH, length);
        if (head || length == 0) {
            closeQuietly(file);
            Handlers.endWithoutBody(response, callback);
            return;
        }
        if (file == null) {
            response.write(true, stored.inlineBuffer().position((int) first).limit((int) (first + length)), callback);
            return;
        }
        try (file) {
            file.position(first);
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            long left = length;
            while (left > 0) {
                buffer.clear().limit((int) Math.min(CHUNK, left));
                int n = file.read(buffer);
                if (n < 0) {
                    throw new IOException("body file shorter than its entry says");
                }
                left -= n;
                buffer.flip();
                if (left == 0) {
                    response.write(true, buffer, callback);
                    return;
                }
                try (Blocker.Callback written = Blocker.callback()) {
                    response.write(false, buffer, written);
                    written.block();
                }
            }
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    /** Writes a short answer of the cache's own (PURGE, only-if-cached). */
    public static void plain(Response response, int status, String body, String cacheStatus, Callback callback) {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.getHeaders().put("Cache-Status", cacheStatus);
        response.write(true, bytes.length == 0 ? BufferUtil.EMPTY_BUFFER : ByteBuffer.wrap(bytes), callback);
    }

    static void closeQuietly(FileChannel file) {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                // read-only channel: nothing lost
            }
        }
    }
}
