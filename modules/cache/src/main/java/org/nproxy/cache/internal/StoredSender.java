package org.nproxy.cache.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.nproxy.cache.store.StoredResponse;
import org.nproxy.spi.Handlers;

/**
 * Answers a client from a stored response (RFC 9111 §4): the stored fields (encoded once, see
 * {@link HitForm}) with {@code Age} (§5.1) and {@code Cache-Status}, the body from memory (the
 * stored bytes themselves) or its file in 64 KiB writes, nothing for HEAD, one byte range as a
 * 206 and several as a {@code multipart/byteranges} 206 (RFC 9110 §14.6), or a 304 when the
 * client's own preconditions match (RFC 9110 §15.4.5 lists the fields it keeps).
 */
public final class StoredSender {
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

    /**
     * Writes the whole answer and completes the callback.
     *
     * @param ranges null for the whole body, else what {@link ByteRange#parse} gave
     */
    public static void send(HitForm form, StoredResponse stored, FileChannel file, boolean head, boolean notModified,
                            List<ByteRange> ranges, long age, String cacheStatus, Response response, Callback callback) {
        HitForm.Wire wire = form.use();
        ByteBuffer whole = null;
        if (!stored.inFile()) {
            whole = stored.inlineBuffer();
        } else if (file == null) {
            whole = form.mapping();
        } else if ((whole = form.map(file, stored.meta().length())) != null) {
            closeQuietly(file); // mapped: the channel is not needed any more
            file = null;
        }
        send(form, wire, stored, whole, file, head, notModified, ranges, age, cacheStatus, response, callback);
    }

    /**
     * Opens what a hit reads: nothing when the body is inline or its file already mapped, else
     * the file (null when it vanished since the look-up: the caller treats that as a miss).
     */
    public static FileChannel open(HitForm form, StoredResponse stored) {
        return !stored.inFile() || form.mapping() != null ? null : open(stored);
    }

    /**
     * Whether the body is in memory: inline, or its file already mapped (a hit then reads no
     * file, and {@link #send} with a null file writes it in one non-blocking write).
     */
    public static boolean inMemory(HitForm form, StoredResponse stored) {
        return !stored.inFile() || form.mapping() != null;
    }

    /** Whether a body file was needed but could not be opened (see {@link #open(HitForm, StoredResponse)}). */
    public static boolean missing(HitForm form, StoredResponse stored, FileChannel file) {
        return stored.inFile() && form.mapping() == null && file == null;
    }

    private static void send(HitForm form, HitForm.Wire wire, StoredResponse stored, ByteBuffer whole, FileChannel file,
                             boolean head,
                             boolean notModified, List<ByteRange> ranges, long age, String cacheStatus,
                             Response response, Callback callback) {
        HttpFields.Mutable out = response.getHeaders();
        for (HttpField field : notModified ? wire.notModifiedFields() : wire.fields()) {
            if (field.getHeader() == HttpHeader.DATE || field.getHeader() == HttpHeader.SERVER) {
                out.put(field);
            } else {
                out.add(field);
            }
        }
        for (HttpField field : form.stamp(Math.max(0, age), cacheStatus)) {
            out.add(field);
        }
        if (notModified) {
            response.setStatus(304);
            closeQuietly(file);
            Handlers.endWithoutBody(response, callback);
            return;
        }
        long total = stored.meta().length();
        if (ranges != null && ranges.get(0) == ByteRange.UNSATISFIABLE) {
            closeQuietly(file);
            out.put(HttpHeader.CONTENT_RANGE, "bytes */" + total);
            out.remove(HttpHeader.CONTENT_TYPE);
            out.put(HttpHeader.CONTENT_LENGTH, 0L);
            response.setStatus(416);
            Handlers.endWithoutBody(response, callback);
            return;
        }
        if (ranges != null && ranges.size() > 1) {
            multipart(form, stored, whole, file, head, ranges, response, callback);
            return;
        }
        ByteRange range = ranges == null ? null : ranges.get(0);
        long first = range == null ? 0 : range.first();
        long length = range == null ? total : range.length();
        if (range != null) {
            response.setStatus(206);
            out.put(HttpHeader.CONTENT_RANGE, "bytes " + range.first() + "-" + range.last() + "/" + total);
            out.put(HttpHeader.CONTENT_LENGTH, length);
        } else {
            response.setStatus(stored.meta().status());
            out.put(wire.contentLength());
        }
        if (head || length == 0) {
            closeQuietly(file);
            Handlers.endWithoutBody(response, callback);
            return;
        }
        try (file) {
            body(whole, file, first, length, true, response, callback);
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    /** RFC 9110 §14.6: each range as a part with its Content-Type and Content-Range. */
    private static void multipart(HitForm form, StoredResponse stored, ByteBuffer whole, FileChannel file, boolean head,
                                  List<ByteRange> ranges, Response response, Callback callback) {
        long total = stored.meta().length();
        String boundary = "nproxy-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        byte[][] heads = new byte[ranges.size()][];
        long length = 0;
        for (int i = 0; i < ranges.size(); i++) {
            ByteRange r = ranges.get(i);
            String partHead = (i == 0 ? "" : "\r\n") + "--" + boundary + "\r\n"
                + (form.contentType == null ? "" : "Content-Type: " + form.contentType + "\r\n")
                + "Content-Range: bytes " + r.first() + "-" + r.last() + "/" + total + "\r\n\r\n";
            heads[i] = partHead.getBytes(StandardCharsets.ISO_8859_1);
            length += heads[i].length + r.length();
        }
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        length += tail.length;
        HttpFields.Mutable out = response.getHeaders();
        response.setStatus(206);
        out.put(HttpHeader.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary);
        out.put(HttpHeader.CONTENT_LENGTH, length);
        if (head) {
            closeQuietly(file);
            Handlers.endWithoutBody(response, callback);
            return;
        }
        try (file) {
            for (int i = 0; i < ranges.size(); i++) {
                blockingWrite(response, ByteBuffer.wrap(heads[i]));
                body(whole, file, ranges.get(i).first(), ranges.get(i).length(), false, response, null);
            }
            response.write(true, ByteBuffer.wrap(tail), callback);
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    /**
     * Writes {@code length} bytes of the body from {@code first}: a view of the whole body (the
     * stored bytes, or the file's mapping), or reads of the file into a pooled direct buffer.
     * With {@code last}, the final write completes {@code callback}; otherwise every write is
     * waited for and callback is unused.
     */
    private static void body(ByteBuffer whole, FileChannel file, long first, long length, boolean last,
                             Response response, Callback callback) throws IOException {
        if (file == null) {
            ByteBuffer view = whole.duplicate().limit((int) (first + length)).position((int) first);
            if (last) {
                response.write(true, view, callback);
            } else {
                blockingWrite(response, view);
            }
            return;
        }
        RetainableByteBuffer pooled = response.getRequest().getComponents().getByteBufferPool()
            .acquire((int) Math.min(CHUNK, length), true);
        try {
            ByteBuffer buffer = pooled.getByteBuffer();
            long position = first;
            long left = length;
            while (left > 0) {
                buffer.clear().limit((int) Math.min(Math.min(CHUNK, buffer.capacity()), left));
                int n = file.read(buffer, position);
                if (n < 0) {
                    throw new IOException("body file shorter than its entry says");
                }
                position += n;
                left -= n;
                buffer.flip();
                if (left == 0 && last) {
                    // the buffer goes back to the pool only once this write completed
                    pooled.retain();
                    RetainableByteBuffer held = pooled;
                    response.write(true, buffer, Callback.from(callback, held::release));
                    return;
                }
                blockingWrite(response, buffer);
            }
        } finally {
            pooled.release();
        }
    }

    private static void blockingWrite(Response response, ByteBuffer buffer) throws IOException {
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(false, buffer, written);
            written.block();
        }
    }

    /** Writes a short answer of the cache's own (PURGE, only-if-cached). */
    public static void plain(Response response, int status, String body, String cacheStatus, Callback callback) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
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
