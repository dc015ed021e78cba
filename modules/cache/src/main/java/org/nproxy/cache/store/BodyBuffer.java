package org.nproxy.cache.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A body being captured: kept in memory up to the store's inline threshold, then spilled to a
 * temporary file in the zone directory. Either it ends up in the store ({@link Store#put}) or
 * {@link #discard()} deletes what it wrote: a client that goes away never leaves half a body.
 * One writer; a discard may come from another thread while a write is under way (a request
 * ending on failure), so both lock, and nothing is written after a discard.
 */
public final class BodyBuffer implements AutoCloseable {
    private final int inlineLimit;
    private final long maxObject;
    private final Path tempDir;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream();
    private Path tempFile;
    private FileChannel channel;
    private long length;
    private boolean tooLarge;
    private boolean discarded;

    BodyBuffer(int inlineLimit, long maxObject, Path tempDir) {
        this.inlineLimit = inlineLimit;
        this.maxObject = maxObject;
        this.tempDir = tempDir;
    }

    /**
     * Appends a copy of the bytes (the buffer's position is left as it was). Past max-object the
     * body is dropped and {@link #tooLarge()} turns true.
     */
    public synchronized void append(ByteBuffer bytes) throws IOException {
        if (discarded || tooLarge || bytes == null || !bytes.hasRemaining()) {
            return;
        }
        ByteBuffer b = bytes.slice();
        length += b.remaining();
        if (length > maxObject) {
            tooLarge = true;
            discard();
            return;
        }
        if (channel == null && memory.size() + b.remaining() <= inlineLimit) {
            byte[] copy = new byte[b.remaining()];
            b.get(copy);
            memory.write(copy, 0, copy.length);
            return;
        }
        if (channel == null) {
            Files.createDirectories(tempDir);
            tempFile = Files.createTempFile(tempDir, "body-", ".part");
            channel = FileChannel.open(tempFile, StandardOpenOption.WRITE);
            channel.write(ByteBuffer.wrap(memory.toByteArray()));
            memory = null;
        }
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    public long length() {
        return length;
    }

    public boolean tooLarge() {
        return tooLarge;
    }

    /** Whether the body spilled to a file. */
    boolean inFile() {
        return tempFile != null;
    }

    synchronized byte[] bytes() {
        return memory.toByteArray();
    }

    /** Closes the file (forced to disk) and returns it, for the store to move into place. */
    synchronized Path finishFile() throws IOException {
        channel.force(false);
        channel.close();
        channel = null;
        return tempFile;
    }

    /** Drops the body and deletes its temporary file, if any. Idempotent. */
    public synchronized void discard() {
        discarded = true;
        memory = null;
        try {
            if (channel != null) {
                channel.close();
            }
            if (tempFile != null) {
                Files.deleteIfExists(tempFile);
            }
        } catch (IOException e) {
            // a leftover .part file is swept at the zone's next open
        }
        channel = null;
        tempFile = null;
    }

    @Override
    public void close() {
        discard();
    }
}
