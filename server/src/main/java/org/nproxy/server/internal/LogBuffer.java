package org.nproxy.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log's buffer, nginx's {@code access_log ... buffer=64k flush=1s} for threads: a
 * request formats its line, on its own thread, into one of a few lock-striped 64 KiB chunks
 * (requests run on virtual threads, so a per-thread buffer would be one per request); a full
 * chunk goes to the flusher thread, which writes it with one {@code write(2)}, and once a second
 * the flusher also writes what the chunks hold so far. Nothing touches the file on a request's
 * thread, and an idle server's lines reach the file within about a second.
 *
 * <p><b>No line is ever dropped.</b> When the disk falls behind and every chunk is waiting to
 * be written, a request that completes waits for a free chunk (back-pressure, as nginx's
 * worker blocks in {@code write(2)}) rather than losing its line. {@link #switchTo} (reload,
 * reopen) and {@link #close} are ordered with the lines: every line appended before the switch
 * goes to the old file, every line after it to the new one, and the old file is closed only
 * once its last line is written; those control steps never wait for queue room, so they cannot
 * be lost either. Lines from different stripes are not in time order within a second (as with
 * nginx's workers); each line is whole.
 */
final class LogBuffer {
    private static final Logger LOG = LoggerFactory.getLogger(LogBuffer.class);
    static final int CHUNK = 64 * 1024;
    private static final long FLUSH_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Writes one line, newline included, for a request; {@code nanos} is its duration. */
    interface Format {
        void render(Request request, Response response, long nanos, LogLine out);
    }

    /** Where lines go now: the file and the format; null when the log is off. */
    record Target(FileChannel channel, Format format) {
    }

    /** What the flusher does, in order: write a chunk, close a retired file, or stop. */
    private sealed interface Job {
    }

    private record Write(FileChannel channel, ByteBuffer chunk) implements Job {
    }

    private record Close(FileChannel channel) implements Job {
    }

    private record Stop() implements Job {
    }

    private static final class Stripe {
        final ReentrantLock lock = new ReentrantLock();
        final LogLine line = new LogLine();
        ByteBuffer chunk; // fill mode; null until the first line after a write
    }

    private final Stripe[] stripes;
    private final BlockingQueue<ByteBuffer> free;
    private final BlockingQueue<Job> jobs = new LinkedBlockingQueue<>(); // bounded by the chunks in use
    private final AtomicLong failedBytes = new AtomicLong();
    private final AtomicLong failedWrites = new AtomicLong();
    private final AtomicLong unformatted = new AtomicLong();
    private volatile Target target; // written under every stripe lock, so read consistently under one
    private Thread flusher;

    /** @param stripes how many chunks lines are appended to at once (a power of two) */
    LogBuffer(int stripes) {
        if (Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes must be a power of two, got " + stripes);
        }
        this.stripes = new Stripe[stripes];
        for (int i = 0; i < stripes; i++) {
            this.stripes[i] = new Stripe();
        }
        int chunks = 2 * stripes + 2; // each stripe filling one, the flusher writing the others
        free = new ArrayBlockingQueue<>(chunks);
        for (int i = 0; i < chunks; i++) {
            free.add(ByteBuffer.allocateDirect(CHUNK));
        }
    }

    /** Stripes for this machine: the cores rounded up to a power of two, 2 to 16. */
    static int defaultStripes() {
        int cores = Runtime.getRuntime().availableProcessors();
        return Math.min(16, Math.max(2, Integer.highestOneBit(cores - 1) << 1));
    }

    /** True when lines are being written to a file. */
    boolean isOn() {
        return target != null;
    }

    /**
     * Appends the request's line. Waits only when every chunk is full and not yet written
     * (back-pressure); never drops the line.
     */
    void append(Request request, Response response, long nanos) {
        if (target == null) {
            return;
        }
        Stripe s = lockStripe();
        try {
            Target t = target;
            if (t == null) {
                return;
            }
            LogLine line = s.line;
            line.clear();
            try {
                t.format.render(request, response, nanos, line);
            } catch (RuntimeException e) {
                long n = unformatted.incrementAndGet();
                if (Long.bitCount(n) == 1) { // 1, 2, 4, 8...: a trace without a flood
                    LOG.warn("access log: {} line(s) could not be formatted so far; the latest: {}", n, e.toString());
                }
                return;
            }
            put(s, t.channel, line);
        } finally {
            s.lock.unlock();
        }
    }

    /** The calling thread's stripe if free, else the first free one, else waits for its own. */
    private Stripe lockStripe() {
        int mask = stripes.length - 1;
        int home = (int) Thread.currentThread().threadId() & mask;
        for (int i = 0; i <= mask; i++) {
            Stripe s = stripes[(home + i) & mask];
            if (s.lock.tryLock()) {
                return s;
            }
        }
        Stripe s = stripes[home];
        s.lock.lock();
        return s;
    }

    /** Copies a line into the stripe's chunk (under its lock), handing full chunks to the flusher. */
    private void put(Stripe s, FileChannel channel, LogLine line) {
        if (s.chunk != null && s.chunk.remaining() < line.length()) {
            jobs.add(new Write(channel, s.chunk));
            s.chunk = null;
        }
        if (line.length() > CHUNK) { // longer than a chunk: written on its own, outside the pool
            byte[] bytes = line.toArray();
            jobs.add(new Write(channel, ByteBuffer.wrap(bytes).position(bytes.length))); // fill mode, as chunks
            return;
        }
        if (s.chunk == null) {
            s.chunk = takeFree();
        }
        line.copyTo(s.chunk);
    }

    private ByteBuffer takeFree() {
        ByteBuffer chunk = free.poll();
        if (chunk != null) {
            return chunk;
        }
        boolean interrupted = false;
        while (true) {
            try {
                chunk = free.take();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the line must still be written: wait on, then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return chunk;
    }

    /**
     * From now on lines go to {@code next} (null: the log is off). Lines appended before go to
     * the previous file, which the flusher closes after writing them. Starts the flusher on first use.
     */
    synchronized void switchTo(Target next) {
        if (next != null && flusher == null) {
            flusher = Thread.ofPlatform().daemon().name("nproxy-access-log").start(this::run);
        }
        Target previous;
        for (Stripe s : stripes) {
            s.lock.lock();
        }
        try {
            previous = target;
            for (Stripe s : stripes) {
                if (previous != null && s.chunk != null && s.chunk.position() > 0) {
                    jobs.add(new Write(previous.channel, s.chunk));
                    s.chunk = null;
                }
            }
            target = next;
            if (previous != null && (next == null || previous.channel != next.channel)) {
                jobs.add(new Close(previous.channel));
            }
        } finally {
            for (Stripe s : stripes) {
                s.lock.unlock();
            }
        }
    }

    /** Writes every line appended so far, closes the file and stops the flusher; waits up to timeoutMillis. */
    synchronized void close(long timeoutMillis) {
        switchTo(null);
        Thread t = flusher;
        if (t == null) {
            return;
        }
        jobs.add(new Stop());
        try {
            t.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("access log: the disk did not take the last lines within {} ms; they are written in the background",
                timeoutMillis);
        }
        flusher = null;
    }

    /** The flusher: writes chunks as they fill, and what the chunks hold at least once a second. */
    private void run() {
        long nextFlush = System.nanoTime() + FLUSH_NANOS;
        while (true) {
            Job job;
            try {
                job = jobs.poll(Math.max(0, nextFlush - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                continue; // only close() stops the flusher, after the last line
            }
            if (job instanceof Write w) {
                write(w.channel, w.chunk);
            } else if (job instanceof Close c) {
                closeQuietly(c.channel);
            } else if (job instanceof Stop) {
                return;
            }
            if (System.nanoTime() - nextFlush >= 0) {
                // A stripe busy at this moment is retried soon rather than waited for.
                nextFlush = System.nanoTime() + (flushPartial() ? FLUSH_NANOS : FLUSH_NANOS / 100);
            }
        }
    }

    /** Takes the partly filled chunks of the free stripes and writes them; false if a stripe was busy. */
    private boolean flushPartial() {
        List<Write> taken = new ArrayList<>(stripes.length);
        boolean all = true;
        for (Stripe s : stripes) {
            // Never wait for a stripe: its holder may itself be waiting for a chunk this thread frees.
            if (!s.lock.tryLock()) {
                all = false;
                continue;
            }
            try {
                if (s.chunk != null && s.chunk.position() > 0) {
                    taken.add(new Write(target.channel, s.chunk));
                    s.chunk = null;
                }
            } finally {
                s.lock.unlock();
            }
        }
        int i = 0;
        while (i < taken.size()) { // consecutive chunks for one file: one gathering write(2)
            int j = i + 1;
            while (j < taken.size() && taken.get(j).channel == taken.get(i).channel) {
                j++;
            }
            ByteBuffer[] chunks = new ByteBuffer[j - i];
            for (int k = i; k < j; k++) {
                chunks[k - i] = taken.get(k).chunk;
            }
            write(taken.get(i).channel, chunks);
            i = j;
        }
        return all;
    }

    private void write(FileChannel channel, ByteBuffer... chunks) {
        long left = 0;
        for (ByteBuffer c : chunks) {
            c.flip();
            left += c.remaining();
        }
        try {
            while (left > 0) {
                left -= channel.write(chunks);
            }
        } catch (IOException e) {
            long lost = failedBytes.addAndGet(left);
            if (Long.bitCount(failedWrites.incrementAndGet()) == 1) { // disk full: a trace, not a flood
                LOG.warn("access log write failed ({} bytes lost so far): {}", lost, e.toString());
            }
        }
        for (ByteBuffer c : chunks) {
            if (c.isDirect() && c.capacity() == CHUNK) {
                c.clear();
                free.add(c);
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("access log close failed: {}", e.toString());
        }
    }
}
