package org.nproxy.cache.policy;

import java.util.OptionalLong;

/**
 * RFC 9111 §4 and RFC 5861: whether a stored response may answer a request as it is, must be
 * validated first, or may be served stale while a refresh runs.
 */
public final class Servability {
    /** What to do with a stored response for one request. */
    public enum Use {
        /** Fresh enough for this request: serve it (§4.2). */
        FRESH,
        /** Stale, but the client accepts it ({@code max-stale}, §5.2.1.2): serve it. */
        STALE_ACCEPTED,
        /** Stale within {@code stale-while-revalidate}: serve it now, refresh in the background. */
        STALE_WHILE_REVALIDATE,
        /** Validate with the origin before use (§4.3). */
        REVALIDATE
    }

    /** The decision with the numbers behind it (seconds), for {@code Age} and {@code Cache-Status}. */
    public record Verdict(Use use, long age, long lifetime) {
        /** Seconds of freshness left; negative when stale. */
        public long ttl() {
            return lifetime - age;
        }
    }

    private Servability() {
    }

    /**
     * The request's directives: {@code Cache-Control}, or {@code Pragma: no-cache} when the request
     * has no {@code Cache-Control} (§5.4, what HTTP/1.0 clients send).
     */
    public static CacheControl requestDirectives(Headers request) {
        if (request.fields().isEmpty()) {
            return CacheControl.NONE;
        }
        if (!request.contains("Cache-Control") && request.tokens("Pragma").contains("no-cache")) {
            return CacheControl.parse("no-cache");
        }
        return CacheControl.parse(request.get("Cache-Control"));
    }

    /** §5.2.1.5: a request with {@code no-store} neither uses nor fills the cache. */
    public static boolean bypass(Headers request) {
        return requestDirectives(request).has("no-store");
    }

    /** §5.2.1.7: answer from the cache or with 504, never forward. */
    public static boolean onlyIfCached(Headers request) {
        return requestDirectives(request).has("only-if-cached");
    }

    /** §4: how a stored response may be used for a request at {@code now} (epoch ms). */
    public static Verdict decide(Headers request, Exchange stored, long now, PolicyOptions options) {
        return decide(request, Prepared.of(stored, options.targeted()), now, options);
    }

    /** {@link #decide(Headers, Exchange, long, PolicyOptions)} over what was derived from the response once. */
    public static Verdict decide(Headers request, Prepared stored, long now, PolicyOptions options) {
        long age = stored.currentAge(now);
        long lifetime = stored.lifetime(options);
        CacheControl req = requestDirectives(request);
        CacheControl res = stored.directives();
        if (req.has("no-cache") || (res.has("no-cache") && res.value("no-cache").isEmpty())) {
            return new Verdict(Use.REVALIDATE, age, lifetime); // §5.2.1.4, §5.2.2.4
        }
        OptionalLong maxAge = req.seconds("max-age");
        if (maxAge.isPresent() && age > maxAge.getAsLong()) {
            return new Verdict(Use.REVALIDATE, age, lifetime); // §5.2.1.1
        }
        OptionalLong minFresh = req.seconds("min-fresh");
        if (minFresh.isPresent() && lifetime - age < minFresh.getAsLong()) {
            return new Verdict(Use.REVALIDATE, age, lifetime); // §5.2.1.3
        }
        if (lifetime > age) {
            return new Verdict(Use.FRESH, age, lifetime); // §4.2
        }
        if (staleForbidden(res)) {
            return new Verdict(Use.REVALIDATE, age, lifetime); // §4.2.4
        }
        long staleness = age - lifetime;
        if (req.has("max-stale")) {
            OptionalLong maxStale = req.value("max-stale").isEmpty() ? OptionalLong.of(Long.MAX_VALUE)
                : req.seconds("max-stale");
            if (staleness <= maxStale.getAsLong()) {
                return new Verdict(Use.STALE_ACCEPTED, age, lifetime); // §5.2.1.2
            }
        }
        OptionalLong swr = res.seconds("stale-while-revalidate");
        if (swr.isPresent() && staleness <= swr.getAsLong()) {
            return new Verdict(Use.STALE_WHILE_REVALIDATE, age, lifetime); // RFC 5861 §3
        }
        return new Verdict(Use.REVALIDATE, age, lifetime);
    }

    /**
     * RFC 5861 §4: whether a stale response may answer in place of an error (a 500, 502, 503 or
     * 504, or no answer at all), per the request's or the response's {@code stale-if-error}.
     */
    public static boolean staleIfError(Headers request, Exchange stored, long now, PolicyOptions options) {
        CacheControl res = Freshness.directives(stored.headers(), options.targeted());
        if (staleForbidden(res)) {
            return false;
        }
        long staleness = Freshness.currentAge(stored, now) - Freshness.lifetime(stored, options);
        OptionalLong fromRequest = requestDirectives(request).seconds("stale-if-error");
        OptionalLong fromResponse = res.seconds("stale-if-error");
        long window = Math.max(fromRequest.orElse(-1), fromResponse.orElse(-1));
        return window >= 0 && staleness <= window;
    }

    /** Whether an upstream answer counts as an error for {@code stale-if-error}. */
    public static boolean isError(int status) {
        return status == 500 || status == 502 || status == 503 || status == 504;
    }

    /** §4.2.4: must-revalidate, proxy-revalidate and s-maxage (shared cache) forbid serving stale. */
    static boolean staleForbidden(CacheControl res) {
        return res.has("must-revalidate") || res.has("proxy-revalidate") || res.has("s-maxage")
            || (res.has("no-cache") && res.value("no-cache").isEmpty());
    }
}
