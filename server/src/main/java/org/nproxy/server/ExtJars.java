package org.nproxy.server;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * What the {@code lib/ext/} directories hold, as a value: two equal fingerprints mean the same
 * jars (path, size, modification time), so a reload that changed nothing there keeps the loaded
 * module registry and a changed jar gets a fresh one.
 */
record ExtJars(List<String> jars) {
    static ExtJars fingerprint(List<Path> dirs) {
        List<String> out = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar")) {
                for (Path jar : stream) {
                    BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
                    out.add(jar.toAbsolutePath() + "|" + a.size() + "|" + a.lastModifiedTime().toMillis()
                        + "|" + a.fileKey());
                }
            } catch (IOException e) {
                out.add(dir + "|unreadable: " + e.getMessage());
            }
        }
        out.sort(null);
        return new ExtJars(List.copyOf(out));
    }
}
