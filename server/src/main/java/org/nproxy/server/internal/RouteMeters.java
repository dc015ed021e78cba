package org.nproxy.server.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.nproxy.spi.Meters;
import org.nproxy.spi.Mount;

/**
 * The request meters of one location of one generation, created when its chain is built so that
 * the request path never looks a meter up by name: {@code nproxy_requests_total{server,location,code}}
 * and {@code nproxy_request_duration_seconds{server,location}} (a histogram with fixed buckets).
 * A status code's counter is registered the first time the code is seen, then kept in an array.
 */
public final class RouteMeters {
    /** Buckets of the duration histogram: a dozen series per location, not Micrometer's ~70. */
    static final Duration[] BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final Meters meters;
    private final Tags tags;
    private final Timer duration;
    private final AtomicReferenceArray<Counter> byCode = new AtomicReferenceArray<>(600);

    private RouteMeters(Meters meters, Tags tags) {
        this.meters = meters;
        this.tags = tags;
        this.duration = meters.register(r -> Timer.builder("nproxy.request.duration")
            .description("Time from the request's first byte to the end of its response, per virtual host and location")
            .tags(tags).serviceLevelObjectives(BUCKETS).register(r));
        // Codes an earlier generation saw here: hold them too, or that generation's release after
        // its drain would drop the series and restart them from zero.
        for (Counter seen : meters.registry().find("nproxy.requests").tags(tags).counters()) {
            String code = seen.getId().getTag("code");
            counter(code == null || code.equals("other") ? 0 : Integer.parseInt(code));
        }
    }

    /** The meters of a location; {@code server} and {@code location} labels as the mount names them. */
    static RouteMeters of(Meters meters, Mount mount) {
        return new RouteMeters(meters, Tags.of("server", mount.server(), "location", mount.location()));
    }

    /** Counts one completed request. */
    public void record(int status, long nanos) {
        int code = status < 100 || status > 599 ? 0 : status;
        Counter counter = byCode.get(code);
        if (counter == null) {
            counter = counter(code);
        }
        counter.increment();
        duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    private Counter counter(int code) {
        Counter created = meters.register(r -> Counter.builder("nproxy.requests")
            .description("Requests answered, per virtual host, location and status code")
            .tags(tags).tag("code", code == 0 ? "other" : Integer.toString(code)).register(r));
        byCode.compareAndSet(code, null, created);
        return created;
    }
}
