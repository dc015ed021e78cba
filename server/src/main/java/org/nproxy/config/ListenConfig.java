package org.nproxy.config;

/**
 * A {@code <listen>}: one TCP listener. Server blocks that list the same {@code host:port} share
 * the listener and are told apart by {@code Host}.
 *
 * @param host address to bind; default {@code 0.0.0.0} (all IPv4 interfaces), {@code [::]} for IPv6
 * @param port 1-65535, required (0 picks a free port, for tests)
 */
public record ListenConfig(String host, int port, Origin origin) {
    /** Identity of the listener, e.g. {@code 127.0.0.1:8080}. */
    public String key() {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
