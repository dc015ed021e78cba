package org.nproxy.cache.policy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * RFC 9111 §4.4: after an unsafe request gets a non-error answer, the stored responses of its
 * target URI, and of its {@code Location} and {@code Content-Location} when they name the same
 * origin, are no longer to be used.
 */
public final class Invalidation {
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    private Invalidation() {
    }

    /** RFC 9110 §9.2.1. PURGE is the cache's own and handled before any of this. */
    public static boolean unsafe(String method) {
        return !SAFE.contains(method);
    }

    /**
     * The absolute URIs to invalidate, the target first; empty for a safe method or an error
     * (status outside 200-399).
     *
     * @param target the request's absolute URI, e.g. {@code http://example.com/a?b}
     */
    public static List<String> targets(String method, int status, String target, Headers response) {
        List<String> out = new ArrayList<>();
        if (!unsafe(method) || status < 200 || status >= 400) {
            return out;
        }
        out.add(target);
        URI base = URI.create(target);
        for (String name : List.of("Location", "Content-Location")) {
            String v = response.get(name);
            if (v == null) {
                continue;
            }
            try {
                URI u = base.resolve(v.trim());
                if (base.getScheme().equalsIgnoreCase(u.getScheme()) && base.getRawAuthority() != null
                    && base.getRawAuthority().equalsIgnoreCase(u.getRawAuthority())) {
                    String s = u.normalize().toString();
                    if (!out.contains(s)) {
                        out.add(s);
                    }
                }
            } catch (IllegalArgumentException e) {
                // not a URI: nothing to invalidate (§4.4 only covers URI references)
            }
        }
        return out;
    }
}
