package org.nproxy.config;

import org.nproxy.spi.Origin;
import java.util.List;

/**
 * A {@code <server>} block: a virtual host.
 *
 * @param index     position in the configuration (regex names are tried in this order)
 * @param names     from {@code names="example.com *.example.com ~^api\d+\.example\.com$"}
 * @param isDefault {@code default="true"}: catches requests no name matches on its listeners
 * @param tls       its {@code <tls>} (certificate, HSTS, redirect, client auth), or null
 */
public record ServerConfig(int index, List<String> names, boolean isDefault, List<ListenConfig> listens,
                           List<LocationConfig> locations, TlsConfig tls, Origin origin) {
    public ServerConfig {
        names = List.copyOf(names);
        listens = List.copyOf(listens);
        locations = List.copyOf(locations);
    }

    /** A server block without TLS. */
    public ServerConfig(int index, List<String> names, boolean isDefault, List<ListenConfig> listens,
                        List<LocationConfig> locations, Origin origin) {
        this(index, names, isDefault, listens, locations, null, origin);
    }

    /** First name, or {@code _} for a nameless server; used in logs. */
    public String label() {
        return names.isEmpty() ? "_" : names.get(0);
    }
}
