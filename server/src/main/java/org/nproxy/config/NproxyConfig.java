package org.nproxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole validated configuration: what one generation serves.
 *
 * @param file      the main configuration file
 * @param base      instance directory relative paths resolve against
 * @param includes  every file read, main file first (reload re-reads all of them)
 */
public record NproxyConfig(Path file, Path base, List<Path> includes, GlobalSettings global,
                           AccessLogConfig accessLog, Map<String, UpstreamConfig> upstreams,
                           List<ServerConfig> servers) {
    public NproxyConfig {
        includes = List.copyOf(includes);
        upstreams = Map.copyOf(upstreams);
        servers = List.copyOf(servers);
    }

    /** Listener key ({@code host:port}) to the server blocks on it, in file order. */
    public Map<String, List<ServerConfig>> serversByListener() {
        Map<String, List<ServerConfig>> map = new LinkedHashMap<>();
        for (ServerConfig server : servers) {
            for (ListenConfig listen : server.listens()) {
                map.computeIfAbsent(listen.key(), k -> new ArrayList<>()).add(server);
            }
        }
        return map;
    }

    /** One {@link ListenConfig} per distinct listener, first occurrence. */
    public Map<String, ListenConfig> listeners() {
        Map<String, ListenConfig> map = new LinkedHashMap<>();
        for (ServerConfig server : servers) {
            for (ListenConfig listen : server.listens()) {
                map.putIfAbsent(listen.key(), listen);
            }
        }
        return map;
    }
}
