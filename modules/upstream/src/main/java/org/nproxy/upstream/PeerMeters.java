package org.nproxy.upstream;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.nproxy.spi.Meters;

/**
 * The per-attempt meters of one peer of one group, created when the group opens so that an
 * attempt never looks a meter up by name: {@code nproxy_upstream_requests_total{upstream,peer,code}},
 * {@code nproxy_upstream_response_duration_seconds{upstream,peer}} and
 * {@code nproxy_upstream_failures_total{upstream,peer,reason}}. Codes and reasons get their
 * counter the first time they are seen, then it is kept in an array.
 */
public final class PeerMeters {
    /** Why an attempt failed, as the {@code reason} label. */
    public enum Reason {
        /** The connection could not be opened. */
        CONNECT,
        /** A timeout (connect, send, read, total). */
        TIMEOUT,
        /** The peer answered a status listed as a failure ({@code fail-statuses}). */
        STATUS,
        /** Anything else: reset, protocol error. */
        ERROR;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Meters of a group opened without a server (tests, tools): record nothing. */
    static final PeerMeters NONE = new PeerMeters(null, Tags.empty());

    private static final Duration[] BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final Meters meters;
    private final Tags tags;
    private final Timer duration;
    private final AtomicReferenceArray<Counter> byCode = new AtomicReferenceArray<>(600);
    private final AtomicReferenceArray<Counter> byReason = new AtomicReferenceArray<>(Reason.values().length);

    PeerMeters(Meters meters, Tags tags) {
        this.meters = meters;
        this.tags = tags;
        this.duration = meters == null ? null : meters.register(r -> Timer.builder("nproxy.upstream.response.duration")
            .description("Time of one attempt at a peer, from sending the request to the end of its response")
            .tags(tags).serviceLevelObjectives(BUCKETS).register(r));
        if (meters != null) {
            // Codes and reasons an earlier group of this name counted for this peer: hold them now, or
            // that group's release after the reload's drain would drop the series and restart them from zero.
            for (Counter seen : meters.registry().find("nproxy.upstream.requests").tags(tags).counters()) {
                String code = seen.getId().getTag("code");
                attemptCounter(code == null || code.equals("other") ? 0 : Integer.parseInt(code));
            }
            for (Counter seen : meters.registry().find("nproxy.upstream.failures").tags(tags).counters()) {
                for (Reason reason : Reason.values()) {
                    if (reason.label.equals(seen.getId().getTag("reason"))) {
                        failureCounter(reason);
                    }
                }
            }
        }
    }

    /** Counts one attempt that ended with {@code status} (or the 502/504 Nproxy made of it) after {@code nanos}. */
    public void attempt(int status, long nanos) {
        if (meters == null) {
            return;
        }
        int code = status < 100 || status > 599 ? 0 : status;
        Counter c = byCode.get(code);
        if (c == null) {
            c = attemptCounter(code);
        }
        c.increment();
        duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Counts one failed attempt. */
    public void failure(Reason reason) {
        if (meters == null) {
            return;
        }
        Counter c = byReason.get(reason.ordinal());
        if (c == null) {
            c = failureCounter(reason);
        }
        c.increment();
    }

    private Counter attemptCounter(int code) {
        Counter created = meters.register(r -> Counter.builder("nproxy.upstream.requests")
            .description("Attempts at upstream peers, by the status they ended with")
            .tags(tags).tag("code", code == 0 ? "other" : Integer.toString(code)).register(r));
        byCode.compareAndSet(code, null, created);
        return byCode.get(code);
    }

    private Counter failureCounter(Reason reason) {
        Counter created = meters.register(r -> Counter.builder("nproxy.upstream.failures")
            .description("Failed attempts at upstream peers, by reason (connect, timeout, status, error)")
            .tags(tags).tag("reason", reason.label).register(r));
        byReason.compareAndSet(reason.ordinal(), null, created);
        return byReason.get(reason.ordinal());
    }
}
