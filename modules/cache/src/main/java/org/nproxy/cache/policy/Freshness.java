package org.nproxy.cache.policy;

import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * RFC 9111 §4.2: how old a stored response is and how long it stays fresh, for a shared cache.
 * When a response carries a valid targeted field this cache obeys (RFC 9213: {@code
 * CDN-Cache-Control} by default, or the list of {@link PolicyOptions#targeted()}), the first of
 * them replaces {@code Cache-Control} and {@code Expires} for this cache.
 */
public final class Freshness {
    /** RFC 9110 §15.1: status codes heuristically cacheable (cacheable by default). */
    public static final Set<Integer> HEURISTICALLY_CACHEABLE =
        Set.of(200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501);

    private Freshness() {
    }

    /** RFC 9213 §2.1 with the default target list: whether a valid CDN-Cache-Control governs. */
    public static boolean cdnControlled(Headers response) {
        return TargetedField.select(response, TargetedField.DEFAULT) != null;
    }

    /** The response directives this cache obeys, with the default target list (CDN-Cache-Control). */
    public static CacheControl directives(Headers response) {
        return directives(response, TargetedField.DEFAULT);
    }

    /**
     * RFC 9213 §2.1: the first of the {@code targeted} fields present with a valid, non-empty value;
     * else Cache-Control.
     */
    public static CacheControl directives(Headers response, List<String> targeted) {
        CacheControl chosen = TargetedField.select(response, targeted);
        return chosen != null ? chosen : CacheControl.parse(response.get("Cache-Control"));
    }

    /**
     * §4.2.3: {@code current_age} in seconds at {@code now} (epoch ms). A missing or unparseable
     * {@code Date} counts as the response time; an invalid {@code Age} is ignored.
     */
    public static long currentAge(Exchange e, long now) {
        long residentTime = Math.max(0, now - e.responseTime());
        return (correctedInitialAge(e) + residentTime) / 1000;
    }

    /** §4.2.3: {@code corrected_initial_age} in milliseconds: the age when the response was received. */
    static long correctedInitialAge(Exchange e) {
        long dateValue = e.headers().date("Date").orElse(e.responseTime());
        long apparentAge = Math.max(0, e.responseTime() - dateValue);
        long responseDelay = e.responseTime() - e.requestTime();
        long ageValue = ageHeader(e.headers()) * 1000;
        long correctedAgeValue = ageValue + responseDelay;
        return Math.max(apparentAge, correctedAgeValue);
    }

    private static long ageHeader(Headers h) {
        String v = h.get("Age");
        if (v == null) {
            return 0;
        }
        String first = v.split(",")[0].trim();
        if (!first.matches("\\d{1,18}")) {
            return 0;
        }
        return Long.parseLong(first);
    }

    /**
     * §4.2.1: freshness lifetime in seconds: s-maxage, else max-age, else Expires - Date, else a
     * heuristic (§4.2.2) when the operator enabled one and the response allows it; else 0.
     */
    public static long lifetime(Exchange e, PolicyOptions options) {
        OptionalLong explicit = explicitLifetime(e.headers(), options.targeted());
        if (explicit.isPresent()) {
            return explicit.getAsLong();
        }
        return heuristicLifetime(e, options);
    }

    /** The lifetime the origin gave, if any, with the default target list. */
    public static OptionalLong explicitLifetime(Headers h) {
        return explicitLifetime(h, TargetedField.DEFAULT);
    }

    /**
     * The lifetime the origin gave, if any: s-maxage, max-age or Expires (Expires only when no
     * targeted field governs, RFC 9213 §2.1).
     */
    public static OptionalLong explicitLifetime(Headers h, List<String> targeted) {
        CacheControl chosen = TargetedField.select(h, targeted);
        CacheControl cc = chosen != null ? chosen : CacheControl.parse(h.get("Cache-Control"));
        OptionalLong s = cc.seconds("s-maxage");
        if (s.isPresent()) {
            return s;
        }
        OptionalLong m = cc.seconds("max-age");
        if (m.isPresent()) {
            return m;
        }
        if (chosen == null && h.contains("Expires")) {
            OptionalLong expires = h.date("Expires");
            if (expires.isEmpty()) {
                return OptionalLong.of(0); // §5.3: an invalid Expires means already expired
            }
            long date = h.date("Date").orElse(expires.getAsLong());
            return OptionalLong.of(Math.max(0, (expires.getAsLong() - date) / 1000));
        }
        return OptionalLong.empty();
    }

    /** §4.2.2: only for heuristically cacheable codes (or {@code public}), and only when enabled. */
    static long heuristicLifetime(Exchange e, PolicyOptions options) {
        if (!options.heuristicEnabled()) {
            return 0;
        }
        CacheControl cc = directives(e.headers(), options.targeted());
        if (!HEURISTICALLY_CACHEABLE.contains(e.status()) && !cc.has("public")) {
            return 0;
        }
        OptionalLong lastModified = e.headers().date("Last-Modified");
        if (lastModified.isPresent() && options.heuristicFraction() > 0) {
            long date = e.headers().date("Date").orElse(e.responseTime());
            long since = Math.max(0, date - lastModified.getAsLong()) / 1000;
            return Math.min(options.heuristicMaxSeconds(), (long) (since * options.heuristicFraction()));
        }
        return Math.min(options.heuristicMaxSeconds(), options.heuristicDefaultSeconds());
    }
}
