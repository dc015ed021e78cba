package org.nproxy.files.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-place read: exactly the announced bytes, or an exception when the file no longer has them. */
class InlineBodyTest {
    @TempDir
    Path dir;

    @Test
    void readsTheRegionAtItsPosition() throws IOException {
        byte[] bytes = new byte[5000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7);
        }
        Path file = Files.write(dir.resolve("f.bin"), bytes);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1000);
            InlineBody.readFully(ch, 4000, buffer);
            byte[] read = new byte[1000];
            buffer.flip().get(read);
            assertArrayEquals(Arrays.copyOfRange(bytes, 4000, 5000), read);
        }
    }

    @Test
    void aFileThatShrankAfterItsSizeWasTakenIsAnError() throws IOException {
        Path file = Files.write(dir.resolve("f.bin"), new byte[5000]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long announced = ch.size();
            try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
                writer.truncate(3000);
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) announced);
            IOException e = assertThrows(IOException.class, () -> InlineBody.readFully(ch, 0, buffer));
            assertTrue(e.getMessage().contains("shrank"), e.getMessage());
        }
    }

    @Test
    void aFileThatGrewGivesOnlyTheAnnouncedBytes() throws IOException {
        Path file = Files.write(dir.resolve("f.bin"), new byte[100]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long announced = ch.size();
            Files.write(file, new byte[900], StandardOpenOption.APPEND);
            ByteBuffer buffer = ByteBuffer.allocate((int) announced);
            InlineBody.readFully(ch, 0, buffer);
            assertTrue(!buffer.hasRemaining() && buffer.position() == 100);
        }
    }
}
