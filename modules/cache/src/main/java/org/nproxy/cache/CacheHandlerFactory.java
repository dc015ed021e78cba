package org.nproxy.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.server.Handler;
import org.nproxy.cache.internal.AddressBlock;
import org.nproxy.cache.internal.CacheKey;
import org.nproxy.cache.policy.PolicyOptions;
import org.nproxy.cache.policy.TargetedField;
import org.nproxy.spi.BindContext;
import org.nproxy.spi.ConfigElement;
import org.nproxy.spi.HandlerFactory;
import org.nproxy.spi.ModuleContext;

/**
 * The {@code <cache>} location handler, placed before the handler that fetches (a {@code <proxy>}):
 *
 * <pre>{@code
 * <location path="/">
 *   <cache zone="pages" purge-from="127.0.0.1/32 ::1/128" heuristic="10%" lock-timeout="5s"
 *          key="$scheme$host$request_uri" targeted="Nproxy-Cache-Control CDN-Cache-Control"/>
 *   <proxy upstream="app"/>
 * </location>
 * }</pre>
 */
public final class CacheHandlerFactory implements HandlerFactory<CacheSettings> {
    @Override
    public String type() {
        return "cache";
    }

    @Override
    public CacheSettings bind(ConfigElement e, BindContext context) {
        String zone = e.string("zone", "");
        context.reference(e, "zone", CacheZoneFactory.TYPE, ZoneSettings.class);
        List<String> purgeFrom = new ArrayList<>();
        for (String block : e.string("purge-from", "").trim().split("[\\s,]+")) {
            if (block.isEmpty()) {
                continue;
            }
            try {
                purgeFrom.add(AddressBlock.parse(block).toString());
            } catch (IllegalArgumentException x) {
                e.attributeError("purge-from", x.getMessage(), "address blocks such as 127.0.0.1/32 ::1/128 10.0.0.0/8");
            }
        }
        double fraction = 0;
        String heuristic = e.string("heuristic", "off").trim();
        if (!heuristic.equals("off")) {
            if (heuristic.matches("\\d{1,2}%|100%")) {
                fraction = Integer.parseInt(heuristic.substring(0, heuristic.length() - 1)) / 100.0;
            } else {
                e.attributeError("heuristic", "heuristic=\"" + heuristic + "\" is not a percentage",
                    "off, or a share of the time since Last-Modified such as 10%");
            }
        }
        Duration heuristicTtl = e.duration("heuristic-ttl", Duration.ZERO);
        Duration heuristicMax = e.duration("heuristic-max", Duration.ofDays(1));
        PolicyOptions policy = new PolicyOptions(fraction, heuristicMax.toSeconds(), heuristicTtl.toSeconds(),
            targeted(e));
        Duration lockTimeout = e.duration("lock-timeout", Duration.ofSeconds(5));
        Duration upstreamTimeout = e.duration("upstream-timeout", Duration.ofMinutes(5));
        if (upstreamTimeout.isZero()) {
            e.attributeError("upstream-timeout", "upstream-timeout=\"0\" would give up at once", "a duration such as 5m");
        }
        String key = e.string("key", "").trim();
        if (e.has("key")) {
            List<String> problems = CacheKey.problems(key);
            if (!problems.isEmpty()) {
                e.attributeError("key", "key=\"" + key + "\": " + String.join(", ", problems),
                    "a template over request variables such as $scheme$host$request_uri (the default)");
            }
        }
        return new CacheSettings(zone, purgeFrom, policy, lockTimeout, upstreamTimeout.isZero() ? Duration.ofMinutes(5)
            : upstreamTimeout, key.isEmpty() ? null : key);
    }

    /**
     * {@code targeted="Nproxy-Cache-Control CDN-Cache-Control"}: the targeted cache-control fields
     * (RFC 9213) in priority order; default CDN-Cache-Control; {@code targeted=""} for none.
     */
    private static List<String> targeted(ConfigElement e) {
        if (!e.has("targeted")) {
            return TargetedField.DEFAULT;
        }
        List<String> names = new ArrayList<>();
        String fix = "field names in priority order such as targeted=\"Nproxy-Cache-Control CDN-Cache-Control\", "
            + "or targeted=\"\" for none";
        for (String name : e.string("targeted", "").trim().split("[\\s,]+")) {
            if (name.isEmpty()) {
                continue;
            }
            if (!name.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))) {
                e.attributeError("targeted", "'" + name + "' is not a field name", fix);
            } else if (name.equalsIgnoreCase("Cache-Control") || name.equalsIgnoreCase("Expires")
                || name.equalsIgnoreCase("Pragma")) {
                e.attributeError("targeted", name + " is not a targeted field (it applies to every cache and is the "
                    + "fallback anyway)", fix);
            } else if (names.stream().anyMatch(name::equalsIgnoreCase)) {
                e.attributeError("targeted", name + " is listed twice", fix);
            } else {
                names.add(name);
            }
        }
        return names;
    }

    @Override
    public Handler create(CacheSettings settings, ModuleContext context) throws Exception {
        CacheZone zone = context.resource(CacheZoneFactory.TYPE, settings.zone(), CacheZone.class);
        return new CacheHandler(settings, zone, new CacheMeters(context.meters(), settings.zone()));
    }
}
