package org.nproxy.config;

import org.nproxy.spi.Origin;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks across server blocks: listeners, default servers, duplicate names and locations. */
final class ServerValidation {
    private ServerValidation() {
    }

    static void check(List<ServerConfig> servers, List<ConfigError> errors) {
        Map<String, ServerConfig> defaults = new HashMap<>();
        Map<String, Origin> names = new HashMap<>();
        Map<Integer, ListenConfig> portHosts = new HashMap<>();
        for (ServerConfig server : servers) {
            Map<String, Origin> seenHere = new HashMap<>();
            for (ListenConfig listen : server.listens()) {
                Origin previous = seenHere.put(listen.key(), listen.origin());
                if (previous != null) {
                    errors.add(new ConfigError(listen.origin(), "duplicate listener " + listen.key()
                        + " in the same <server> (first at " + previous + ")", "each host:port once per server"));
                }
                ListenConfig other = listen.port() == 0 ? null : portHosts.putIfAbsent(listen.port(), listen);
                if (other != null && !other.host().equals(listen.host())
                    && (isWildcard(other.host()) || isWildcard(listen.host()))) {
                    errors.add(new ConfigError(listen.origin(), "listener " + listen.key() + " overlaps "
                        + other.key() + " (at " + other.origin() + ")",
                        "the same host on both, or two specific addresses"));
                }
                if (server.isDefault()) {
                    ServerConfig first = defaults.putIfAbsent(listen.key(), server);
                    if (first != null && first != server) {
                        errors.add(new ConfigError(server.origin(), "a second default server for " + listen.key()
                            + " (the first is at " + first.origin() + ")", "default=\"true\" on one server per listener"));
                    }
                }
                for (String name : server.names()) {
                    Origin at = names.putIfAbsent(listen.key() + " " + name, server.origin());
                    if (at != null && !at.equals(server.origin())) {
                        errors.add(new ConfigError(server.origin(), "server name '" + name + "' on " + listen.key()
                            + " is already used by the server at " + at, "each name once per listener"));
                    }
                }
            }
            Map<String, Origin> locations = new HashMap<>();
            for (LocationConfig location : server.locations()) {
                String key = location.modifier().symbol + " " + location.pattern();
                Origin first = locations.putIfAbsent(key, location.origin());
                if (first != null) {
                    errors.add(new ConfigError(location.origin(), "duplicate location '" + location.path()
                        + "' (first at " + first + ")", "each location path once per server"));
                }
            }
        }
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("*");
    }
}
