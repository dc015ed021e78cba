package org.nproxy.proxy;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.nproxy.upstream.UpstreamConfig;
import org.nproxy.spi.Template;
import org.nproxy.upstream.forward.Forwarding;
import org.nproxy.upstream.forward.TunnelProvider;

/**
 * A bound {@code <proxy>} element. Defaults are documented next to each field.
 *
 * @param upstream          the group requests go to (required)
 * @param forwarding        {@code host}, {@code forwarded}, {@code trusted-proxies}, {@code via}: how the
 *                          request crosses (shared with {@code <websocket>}, see {@link Forwarding})
 * @param readTimeout       longest silence of the peer once the request is sent (or its answer began); default 60s
 * @param sendTimeout       longest time a write of the request to the peer may make no progress; default 60s
 * @param timeout           the whole exchange, headers to last byte; default 0 = no limit
 * @param tries             peers tried per request (first attempt included); default 0 = each peer once
 * @param retryTimeout      no new attempt after this much time; default 0 = no limit
 * @param retryNonIdempotent retry POST/PATCH too; default false
 * @param retryBodyMax      request bodies up to this many bytes are kept while sent, so that they
 *                          can be retried; default 0 = bodies are never retried
 * @param failStatuses      upstream statuses that count as a peer failure and are retried; default none
 * @param hashKey           for {@code balance="hash"}: the key template; null otherwise
 * @param requestHeaders    header rules applied to the upstream request, in order
 * @param responseHeaders   header rules applied to the client response, in order
 * @param rewrites          path rewrites, first match wins
 * @param tunnels           the installed {@link TunnelProvider}s (found when bound), which carry this
 *                          location's protocol upgrades (WebSocket); empty = upgrades get 501
 */
public record ProxySettings(UpstreamConfig upstream, Forwarding forwarding, Duration readTimeout, Duration sendTimeout, Duration timeout, int tries, Duration retryTimeout,
                            boolean retryNonIdempotent, long retryBodyMax, Set<Integer> failStatuses, Template hashKey,
                            List<HeaderRule> requestHeaders, List<HeaderRule> responseHeaders, List<Rewrite> rewrites,
                            List<Class<? extends TunnelProvider>> tunnels) {

    /** {@code set} replaces, {@code add} appends, {@code remove} deletes a header. */
    public record HeaderRule(String action, String name, Template value) {
    }

    /** A prefix replacement ({@code pattern} null) or a regex rewrite of the path. */
    public record Rewrite(String prefix, Pattern pattern, String to) {
        /** The rewritten path, or null when this rule does not match. */
        String apply(String path) {
            if (pattern == null) {
                return path.startsWith(prefix) ? to + path.substring(prefix.length()) : null;
            }
            var m = pattern.matcher(path);
            return m.find() ? m.replaceFirst(to) : null;
        }
    }
}
