package org.nproxy.spi;

import java.util.List;

/**
 * Where a handler is mounted: its {@code <server>} block and {@code <location>}, so that a
 * handler needs neither to parse log labels nor to scan the configuration.
 *
 * @param server       the server block's label (its first name, or {@code _})
 * @param serverNames  every name of the server block, as written
 * @param serverIndex  position of the server block in the configuration (unique per generation)
 * @param listeners    the listener keys ({@code host:port}) the server block is on
 * @param location     the location's path as written, e.g. {@code ^~ /assets/}
 * @param prefix       the location's literal path for prefix and exact locations, else null
 */
public record Mount(String server, List<String> serverNames, int serverIndex, List<String> listeners,
                    String location, String prefix) {
    public Mount {
        serverNames = List.copyOf(serverNames);
        listeners = List.copyOf(listeners);
    }
}
