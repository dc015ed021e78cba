package org.nproxy.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where something was written in a configuration file: file, 1-based line and column.
 * Printed as {@code etc/nproxy.xml:12:7}, the form editors and terminals turn into links.
 */
public record Origin(Path file, int line, int column) {
    public Origin {
        Objects.requireNonNull(file, "file");
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
