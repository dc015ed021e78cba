package org.nproxy.config;

import org.nproxy.spi.Origin;
import java.util.Objects;

/**
 * One problem found in a configuration: where it is, what is wrong, and what to write instead.
 * Printed as {@code file:line:column: problem; expected: hint}.
 */
public record ConfigError(Origin origin, String problem, String expected) {
    public ConfigError {
        Objects.requireNonNull(problem, "problem");
    }

    @Override
    public String toString() {
        String where = origin == null ? "nproxy" : origin.toString();
        return expected == null || expected.isEmpty()
            ? where + ": " + problem
            : where + ": " + problem + "; expected " + expected;
    }
}
