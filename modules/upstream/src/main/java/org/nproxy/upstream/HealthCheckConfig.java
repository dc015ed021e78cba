package org.nproxy.upstream;

import java.time.Duration;

/**
 * Active health checks of an upstream group ({@code <health-check>}).
 *
 * @param type     {@code http} (default) or {@code tcp}
 * @param method   HTTP method; default GET
 * @param path     HTTP path; default {@code /}
 * @param host     {@code Host} header for HTTP probes; default the peer address
 * @param status   expected statuses, e.g. {@code 200-399} (default) or {@code 200,204}
 * @param body     a substring the response body must contain; null = any
 * @param interval time between probes of one peer; default 5s (jittered by up to 10%)
 * @param timeout  a probe that takes longer fails; default 2s
 * @param rise     consecutive successes that bring a peer back; default 2
 * @param fall     consecutive failures that take a peer out; default 3
 * @param slowStart time over which a recovered peer's weight ramps up; default 0 = off
 */
public record HealthCheckConfig(String type, String method, String path, String host, String status, String body,
                                Duration interval, Duration timeout, int rise, int fall, Duration slowStart) {
}
