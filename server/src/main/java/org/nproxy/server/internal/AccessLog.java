package org.nproxy.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.NanoTime;
import org.nproxy.config.AccessLogConfig;
import org.nproxy.spi.RequestVariables;
import org.nproxy.spi.Template;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one line per request, in the generation's format: {@code combined} (NCSA combined,
 * the default), {@code common}, {@code json} (one JSON object per line with every field), or a
 * pattern of variables. Beyond {@link RequestVariables}: {@code $status $body_bytes_sent
 * $request $time_local $time_iso8601 $request_time} (seconds, ms resolution)
 * {@code $duration_ms $generation $connection_requests}. Each line is one {@code write(2)}.
 */
public final class AccessLog implements RequestLog {
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    public static final String COMBINED =
        "$remote_addr - - [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";
    public static final String COMMON = "$remote_addr - - [$time_local] \"$request\" $status $body_bytes_sent";
    private static final DateTimeFormatter LOCAL =
        DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneId.systemDefault());

    private volatile Sink sink = new Sink(null, null, false);
    private final Writer writer = new Writer();

    private record Sink(FileChannel channel, Template template, boolean json) {
    }

    public AccessLog() {
    }

    /** (Re)opens the log for a configuration; reopening also follows a logrotate move. */
    public synchronized void configure(AccessLogConfig config) throws IOException {
        Sink previous = sink;
        if (config.path() == null) {
            sink = new Sink(null, null, false);
        } else {
            Path path = config.path();
            Files.createDirectories(path.getParent());
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
            String format = switch (config.format()) {
                case "combined" -> COMBINED;
                case "common" -> COMMON;
                default -> config.format();
            };
            sink = new Sink(channel, Template.parse(format), config.format().equals("json"));
        }
        writer.retire(previous.channel);
    }

    /** Writes what is queued and closes the file. */
    public synchronized void close() {
        Sink previous = sink;
        sink = new Sink(null, null, false);
        writer.retire(previous.channel);
        writer.flushAndStop();
    }

    @Override
    public void log(Request request, Response response) {
        Sink s = sink;
        if (s.channel == null) {
            return;
        }
        long nanos = NanoTime.since(request.getBeginNanoTime());
        String line = s.json ? json(request, response, nanos) : s.template.render(n -> value(n, request, response, nanos));
        writer.enqueue(s.channel, (line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes log lines on one platform thread, so request threads (virtual) never do file I/O,
     * which would pin their carrier. Lines queued while a write is in progress go out together
     * in the next write (nginx's buffered access log, without its delay under light load).
     */
    private static final class Writer implements Runnable {
        private record Entry(FileChannel channel, byte[] line) {
        }

        private static final Entry STOP = new Entry(null, new byte[0]);
        private final java.util.concurrent.BlockingQueue<Entry> queue = new java.util.concurrent.ArrayBlockingQueue<>(65536);
        private final Thread thread;
        private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();

        Writer() {
            thread = Thread.ofPlatform().daemon().name("nproxy-access-log").start(this);
        }

        /**
         * Never waits: lines are queued from selector threads too (chains that run in place), and
         * a stalled disk must not stall the network. A full queue drops the line and says so.
         */
        void enqueue(FileChannel channel, byte[] line) {
            if (!queue.offer(new Entry(channel, line))) {
                long n = dropped.incrementAndGet();
                if (Long.bitCount(n) == 1) { // 1, 2, 4, 8...: a trace without a flood
                    LOG.warn("access log cannot keep up (disk slow or full): {} line(s) dropped so far", n);
                }
            }
        }

        /** Closes a channel once every line queued for it is written. */
        void retire(FileChannel channel) {
            if (channel != null) {
                enqueue(channel, null);
            }
        }

        void flushAndStop() {
            enqueue(null, STOP.line);
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void run() {
            java.util.List<Entry> batch = new java.util.ArrayList<>();
            ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
            while (true) {
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    return;
                }
                queue.drainTo(batch, 4096);
                FileChannel current = null;
                for (Entry e : batch) {
                    if (e.channel == null) { // stop marker
                        write(current, buffer);
                        return;
                    }
                    if (e.channel != current || e.line == null || buffer.remaining() < e.line.length) {
                        write(current, buffer);
                        current = e.channel;
                    }
                    if (e.line == null) {
                        closeQuietly(e.channel);
                        current = null;
                    } else if (e.line.length > buffer.capacity()) {
                        writeFully(current, ByteBuffer.wrap(e.line));
                    } else {
                        buffer.put(e.line);
                    }
                }
                write(current, buffer);
                batch.clear();
            }
        }

        /** Writes what the buffer holds (fill mode) and clears it. */
        private static void write(FileChannel channel, ByteBuffer buffer) {
            if (buffer.position() == 0) {
                return;
            }
            buffer.flip();
            writeFully(channel, buffer);
            buffer.clear();
        }

        private static void writeFully(FileChannel channel, ByteBuffer bytes) {
            try {
                while (channel != null && bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            } catch (IOException e) {
                LOG.warn("access log write failed: {}", e.toString());
            }
        }

        private static void closeQuietly(FileChannel channel) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    private String value(String name, Request request, Response response, long nanos) {
        switch (name) {
            case "status":
                return Integer.toString(response.getStatus());
            case "body_bytes_sent":
                // Modules that write beside Jetty (static's sendfile) count their bytes in this key.
                Long beside = org.nproxy.spi.RequestVariables.HANDLER_BYTES_SENT.get(request);
                return Long.toString(Response.getContentBytesWritten(response) + (beside == null ? 0L : beside));
            case "request":
                return request.getMethod() + " " + request.getHttpURI().getPathQuery() + " "
                    + request.getConnectionMetaData().getProtocol();
            case "time_local":
                return LOCAL.format(Instant.ofEpochMilli(Request.getTimeStamp(request)));
            case "time_iso8601":
                return ISO.format(Instant.ofEpochMilli(Request.getTimeStamp(request)));
            case "request_time": {
                long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
                return String.format(Locale.ROOT, "%d.%03d", ms / 1000, ms % 1000);
            }
            case "duration_ms":
                return Long.toString(TimeUnit.NANOSECONDS.toMillis(nanos));
            case "generation": {
                Object g = request.getAttribute(Dispatcher.GENERATION);
                return g instanceof Generation gen ? Long.toString(gen.id()) : "-";
            }
            default: {
                String v = RequestVariables.get(request, name);
                return v == null || v.isEmpty() ? "-" : v;
            }
        }
    }

    private String json(Request request, Response response, long nanos) {
        StringBuilder b = new StringBuilder(256).append('{');
        field(b, "time", value("time_iso8601", request, response, nanos));
        field(b, "remote_addr", RequestVariables.get(request, "remote_addr"));
        field(b, "method", request.getMethod());
        field(b, "uri", request.getHttpURI().getPathQuery());
        field(b, "protocol", request.getConnectionMetaData().getProtocol());
        field(b, "host", RequestVariables.get(request, "host"));
        b.append("\"status\":").append(response.getStatus()).append(',');
        b.append("\"bytes_sent\":").append(value("body_bytes_sent", request, response, nanos)).append(',');
        b.append("\"duration_ms\":").append(String.format(Locale.ROOT, "%.3f", nanos / 1e6)).append(',');
        field(b, "vhost", RequestVariables.get(request, "vhost"));
        field(b, "location", RequestVariables.get(request, "location"));
        field(b, "handler", RequestVariables.get(request, "handler"));
        HttpField referer = request.getHeaders().getField("Referer");
        field(b, "referer", referer == null ? null : referer.getValue());
        HttpField ua = request.getHeaders().getField("User-Agent");
        field(b, "user_agent", ua == null ? null : ua.getValue());
        b.setLength(b.length() - 1);
        return b.append('}').toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            b.append("null,");
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append("\",");
    }

}
