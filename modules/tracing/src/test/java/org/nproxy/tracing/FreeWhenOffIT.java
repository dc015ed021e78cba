package org.nproxy.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/**
 * Tracing off costs no OpenTelemetry: a fresh JVM (class loading traced with
 * {@code -verbose:class}) serves proxied requests with {@code $trace_id} in the log and the
 * tracing module on its class path, and loads no {@code io.opentelemetry} class; the same JVM
 * then starts an Nproxy with {@code <tracing>}, and they load (so the check can fail).
 */
class FreeWhenOffIT {
    private static final String MARK = "=== tracing on ===";

    @Test
    void noOpenTelemetryClassIsLoadedWithoutTracing() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-verbose:class", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), Main.class.getName())
            .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (var in = p.inputReader(StandardCharsets.UTF_8)) {
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                lines.add(l);
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
        int mark = lines.indexOf(MARK);
        assertTrue(mark > 0, "the child ran both phases");
        List<String> before = lines.subList(0, mark).stream().filter(l -> l.contains(" io.opentelemetry.")).toList();
        assertTrue(before.isEmpty(), "loaded without <tracing>: " + before);
        assertTrue(lines.subList(mark, lines.size()).stream().anyMatch(l -> l.contains(" io.opentelemetry.sdk.")),
            "with <tracing> the SDK loads");
    }

    /** The child: proxied traffic without tracing, the mark, then an Nproxy with tracing. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            try (OtlpExportIT.EchoOrigin origin = new OtlpExportIT.EchoOrigin()) {
                String config = """
                    <nproxy>
                      %s
                      <access-log path="logs/a.log" format="$trace_id $span_id $request_uri"/>
                      <upstream name="app"><peer address="127.0.0.1:%d"/></upstream>
                      <server><listen host="127.0.0.1" port="0"/>
                        <location path="/"><proxy upstream="app"/></location>
                      </server>
                    </nproxy>""";
                try (NproxyFixture off = NproxyFixture.start(config.formatted("", origin.port()))) {
                    for (int i = 0; i < 20; i++) {
                        String r = Http.exchange(off.port(), "GET /x HTTP/1.1\r\nHost: x\r\ntraceparent: "
                            + "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nConnection: close\r\n\r\n");
                        if (!Http.body(r).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-")) {
                            throw new AssertionError("no trace upstream: " + r);
                        }
                    }
                }
                System.out.println(MARK);
                try (NproxyFixture on = NproxyFixture.start(config.formatted(
                    "<tracing endpoint=\"http://127.0.0.1:9\" export-interval=\"1h\"/>", origin.port()))) {
                    Http.get(on.port(), "/y", "x");
                }
            }
        }
    }
}
