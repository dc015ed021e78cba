package org.nproxy.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/** Reading a scrape in tests: a sample's value by name and labels, and promtool's verdict. */
final class Scrape {
    private Scrape() {
    }

    /**
     * The value of the first sample named {@code name} whose labels include every
     * {@code key="value"} of {@code labels} ({@code "code", "200", ...}), or -1 when there is none.
     */
    static double value(String scrape, String name, String... labels) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= line.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (all) {
                String[] parts = line.trim().split(" ");
                return Double.parseDouble(parts[parts.length - 1].equals("") ? parts[parts.length - 2] : parts[parts.length - 1]);
            }
        }
        return -1;
    }

    /** Path of promtool, or a failure in CI (CI=true) / a skip with the reason elsewhere. */
    static String promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "promtool");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        String why = "promtool not found on PATH (Debian package 'prometheus'; .ci/run installs it)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(why);
        }
        System.out.println("SKIPPED: " + why);
        Assumptions.abort(why);
        return null;
    }

    /** Runs {@code promtool check metrics} on the exposition; returns its output, fails on its verdict. */
    static String check(String exposition) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(promtool(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool did not finish in 30s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("promtool check metrics failed (" + p.exitValue() + "):\n" + out);
        }
        return out;
    }
}
