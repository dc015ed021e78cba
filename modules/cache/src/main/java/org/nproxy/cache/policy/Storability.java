package org.nproxy.cache.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * RFC 9111 §3: whether a shared cache may store a response, and what of it. Only responses to
 * {@code GET} are stored (a stored GET also answers HEAD, §4).
 */
public final class Storability {
    /** Status codes whose caching rules this cache implements (for must-understand, §5.2.2.3). */
    public static final Set<Integer> UNDERSTOOD = Set.of(200, 203, 204, 300, 301, 302, 303, 307, 308,
        400, 403, 404, 405, 410, 414, 500, 501, 502, 503, 504);

    /**
     * The outcome: whether to store, why not (a short token for {@code Cache-Status} detail), and
     * the header fields to store (without those named by {@code private=} or {@code no-cache=}).
     */
    public record Decision(boolean store, String reason, Headers stored) {
        static Decision no(String reason) {
            return new Decision(false, reason, Headers.EMPTY);
        }
    }

    private Storability() {
    }

    /**
     * @param method  the request method
     * @param request the request header fields
     * @param status  the final response status
     * @param response the response header fields
     */
    public static Decision decide(String method, Headers request, int status, Headers response, PolicyOptions options) {
        return decide(method, request, status, response, options, System.currentTimeMillis());
    }

    /**
     * As {@link #decide(String, Headers, int, Headers, PolicyOptions)}, with the time of receipt
     * (epoch ms) standing in for a missing {@code Date} (RFC 9110 §6.6.1).
     */
    public static Decision decide(String method, Headers request, int status, Headers response, PolicyOptions options,
                                  long receivedAt) {
        if (!method.equals("GET")) {
            return Decision.no("method");
        }
        CacheControl req = CacheControl.parse(request.get("Cache-Control"));
        if (req.has("no-store")) {
            return Decision.no("request-no-store"); // §5.2.1.5
        }
        if (status < 200) {
            return Decision.no("status");
        }
        CacheControl cc = Freshness.directives(response, options.targeted());
        boolean understood = UNDERSTOOD.contains(status);
        if (status == 206 || status == 304 || (cc.has("must-understand") && !understood)) {
            return Decision.no("status");
        }
        if (cc.has("no-store") && !(cc.has("must-understand") && understood)) {
            return Decision.no("no-store"); // §5.2.2.5, unless must-understand lifts it (§5.2.2.3)
        }
        if (cc.has("private") && cc.value("private").isEmpty()) {
            return Decision.no("private"); // §5.2.2.7
        }
        if (request.contains("Authorization")
            && !(cc.has("must-revalidate") || cc.has("public") || cc.has("s-maxage"))) {
            return Decision.no("authorization"); // §3.5
        }
        if (Vary.isStar(response)) {
            return Decision.no("vary-star"); // §4.1: could never be selected
        }
        boolean explicit = cc.has("public") || Freshness.explicitLifetime(response, options.targeted()).isPresent()
            || Freshness.HEURISTICALLY_CACHEABLE.contains(status);
        if (!explicit) {
            return Decision.no("not-cacheable"); // §3: none of the conditions that allow storing
        }
        Headers dated = response.contains("Date") ? response : response.with("Date", Headers.formatDate(receivedAt));
        if (Freshness.lifetime(new Exchange(status, dated, receivedAt, receivedAt), options) == 0
            && !Validation.hasValidator(response)
            && !cc.has("stale-if-error") && !cc.has("stale-while-revalidate")) {
            // May be stored, but could only ever be refetched whole: storing would cost a write per request.
            return Decision.no("no-freshness");
        }
        List<String> strip = new ArrayList<>();
        strip.addAll(fieldNames(cc.value("private"))); // §5.2.2.7: store without these
        strip.addAll(fieldNames(cc.value("no-cache"))); // §5.2.2.4: never sent without revalidation
        if (!cc.has("public")) {
            // §7.3 leaves it to the cache: a cookie goes to the client it was set for, never to a
            // second one unless the origin declared the whole response public
            strip.add("Set-Cookie");
        }
        strip.addAll(List.of("Connection", "Keep-Alive", "Proxy-Connection", "TE", "Transfer-Encoding", "Upgrade",
            "Proxy-Authenticate", "Proxy-Authentication-Info"));
        return new Decision(true, "", response.without(strip));
    }

    private static List<String> fieldNames(String arg) {
        List<String> out = new ArrayList<>();
        if (arg != null) {
            for (String n : arg.split(",")) {
                if (!n.isBlank()) {
                    out.add(n.trim());
                }
            }
        }
        return out;
    }
}
