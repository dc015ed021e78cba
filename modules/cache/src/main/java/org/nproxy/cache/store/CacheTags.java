package org.nproxy.cache.store;

import java.util.ArrayList;
import java.util.List;

import org.nproxy.cache.policy.Headers;

/** Purge tags of a response: {@code Cache-Tag} (comma-separated) and {@code Surrogate-Key} (space-separated). */
public final class CacheTags {
    private CacheTags() {
    }

    public static List<String> of(Headers response) {
        List<String> tags = new ArrayList<>();
        String cacheTag = response.get("Cache-Tag");
        if (cacheTag != null) {
            for (String t : cacheTag.split(",")) {
                if (!t.isBlank()) {
                    tags.add(t.trim());
                }
            }
        }
        String surrogate = response.get("Surrogate-Key");
        if (surrogate != null) {
            for (String t : surrogate.trim().split("[\\s,]+")) {
                if (!t.isBlank()) {
                    tags.add(t);
                }
            }
        }
        return tags;
    }
}
