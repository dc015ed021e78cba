package org.nproxy.cache.redis;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import org.nproxy.cache.shared.SharedSettings;

/**
 * Where a shared tier's Redis is, from {@code shared="..."}: one server ({@code redis://host:port/db},
 * {@code rediss://} for TLS, {@code redis-socket:///path}), Sentinel ({@code redis-sentinel://h1:26379,h2:26379/0#master},
 * as Lettuce reads it) or a Cluster ({@code redis-cluster://h1:7000,h2:7001}, seeds; {@code rediss-cluster://} for TLS).
 * The password never appears in the URI: it comes from a file or a property at open time.
 */
final class Target {
    static final List<String> SCHEMES = List.of("redis", "rediss", "redis-socket", "redis-sentinel", "rediss-sentinel",
        "redis-cluster", "rediss-cluster");

    private Target() {
    }

    /** Null when the URI can be used, else what is wrong with it. */
    static String check(SharedSettings settings) {
        String uri = settings.uri();
        int start = uri.indexOf("://") + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        if (uri.substring(start, end).contains("@")) {
            return "the shared tier URI carries credentials; they would end up in logs and status pages";
        }
        try {
            seeds(settings);
            return null;
        } catch (RuntimeException e) {
            return "not a Redis URI Lettuce accepts: " + e.getMessage();
        }
    }

    static boolean cluster(SharedSettings settings) {
        return settings.scheme().endsWith("-cluster");
    }

    /** The Lettuce URIs: one (single, Sentinel) or the cluster's seeds. */
    static List<RedisURI> seeds(SharedSettings settings) {
        if (!cluster(settings)) {
            return List.of(RedisURI.create(settings.uri()));
        }
        String tls = settings.scheme().startsWith("rediss") ? "rediss://" : "redis://";
        String rest = settings.uri().substring(settings.uri().indexOf("://") + 3);
        int slash = rest.indexOf('/');
        String hosts = slash < 0 ? rest : rest.substring(0, slash);
        List<RedisURI> seeds = new ArrayList<>();
        for (String host : hosts.split(",")) {
            if (!host.isBlank()) {
                seeds.add(RedisURI.create(tls + host.trim()));
            }
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no cluster node in " + settings.uri());
        }
        return seeds;
    }

    /** The client for a tier, with its timeouts, reconnection and credentials. */
    static AbstractRedisClient client(SharedSettings settings, ClientResources resources) throws IOException {
        char[] password = password(settings);
        Duration connect = settings.timeout().multipliedBy(10).compareTo(Duration.ofSeconds(2)) > 0
            ? settings.timeout().multipliedBy(10) : Duration.ofSeconds(2);
        List<RedisURI> uris = seeds(settings);
        for (RedisURI u : uris) {
            u.setTimeout(connect); // the hand-shake; each call is bounded by shared-timeout in RedisTier
            if (password != null) {
                u.setAuthentication(password);
            }
        }
        SocketOptions socket = SocketOptions.builder().connectTimeout(connect).keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(connect); // a backstop: RedisTier waits shared-timeout
        if (cluster(settings)) {
            RedisClusterClient client = RedisClusterClient.create(resources, uris);
            // Node connections open on first use: rejecting commands while one connects would fail
            // the first calls to every node. They wait in a bounded queue instead; RedisTier's own
            // bound (shared-timeout) still holds, and an open breaker sends nothing.
            client.setOptions(ClusterClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS).requestQueueSize(10_000)
                .socketOptions(socket).timeoutOptions(timeouts)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                    .enablePeriodicRefresh(Duration.ofSeconds(30)).build())
                .build());
            return client;
        }
        RedisClient client = RedisClient.create(resources, uris.get(0));
        client.setOptions(ClientOptions.builder().autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(socket).timeoutOptions(timeouts).build());
        return client;
    }

    /** The password from the file (first line) or the property (system property, else environment). */
    private static char[] password(SharedSettings settings) throws IOException {
        if (settings.passwordFile() != null) {
            List<String> lines = Files.readAllLines(settings.passwordFile());
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                throw new IOException("the shared tier's password file " + settings.passwordFile() + " is empty");
            }
            return lines.get(0).strip().toCharArray();
        }
        if (settings.passwordProperty() != null) {
            String name = settings.passwordProperty();
            String value = System.getProperty(name);
            if (value == null) {
                value = System.getenv(name);
            }
            if (value == null) {
                value = System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
            }
            if (value == null || value.isEmpty()) {
                throw new IOException("the shared tier's password property " + name
                    + " is not set (as a system property or an environment variable)");
            }
            return value.toCharArray();
        }
        return null;
    }
}
