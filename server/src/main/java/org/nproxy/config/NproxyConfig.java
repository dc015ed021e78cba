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
 * @param elements  modules' top-level elements: type, then name, in file order
 */
public record NproxyConfig(Path file, Path base, List<Path> includes, GlobalSettings global,
                           AccessLogConfig accessLog, Map<String, Map<String, ElementConfig>> elements,
                           List<ServerConfig> servers) {
    public NproxyConfig {
        includes = List.copyOf(includes);
        Map<String, Map<String, ElementConfig>> copy = new LinkedHashMap<>();
        elements.forEach((type, byName) -> copy.put(type, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byName))));
        elements = java.util.Collections.unmodifiableMap(copy);
        servers = List.copyOf(servers);
    }

    /** A module's top-level element by type and name, or null. */
    public ElementConfig element(String type, String name) {
        Map<String, ElementConfig> byName = elements.get(type);
        return byName == null ? null : byName.get(name);
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
