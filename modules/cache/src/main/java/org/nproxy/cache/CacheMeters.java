package org.nproxy.cache;

import java.util.List;
import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.nproxy.spi.Meters;

/**
 * {@code nproxy_cache_requests_total{zone,status}}: requests a {@code <cache>} handler answered, by
 * its {@code $cache_status} in lower case (hit, miss, stale, updating, revalidated, expired,
 * bypass), counted when the response completes. Registered in the generation's scope (a zone no
 * generation uses any more loses its series after the drain); PURGE requests are not counted.
 */
final class CacheMeters {
    static final List<String> STATUSES = List.of("HIT", "MISS", "STALE", "UPDATING", "REVALIDATED", "EXPIRED", "BYPASS");

    private final Counter[] byStatus = new Counter[STATUSES.size()];

    CacheMeters(Meters meters, String zone) {
        for (int i = 0; i < byStatus.length; i++) {
            String status = STATUSES.get(i).toLowerCase(Locale.ROOT);
            byStatus[i] = meters.register(r -> Counter.builder("nproxy.cache.requests")
                .description("Requests answered by a cache zone, by cache status (hit, miss, stale, updating, revalidated, "
                    + "expired, bypass)")
                .tag("zone", zone).tag("status", status).register(r));
        }
    }

    /** The client's callback, counting the request's {@code $cache_status} when it completes. */
    Callback counting(Request request, Callback callback) {
        return new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                count(CacheHandler.CACHE_STATUS.get(request));
                super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                count(CacheHandler.CACHE_STATUS.get(request));
                super.failed(x);
            }
        };
    }

    private void count(String status) {
        if (status != null) {
            int i = STATUSES.indexOf(status);
            if (i >= 0) {
                byStatus[i].increment();
            }
        }
    }
}
