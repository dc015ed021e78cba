package org.nproxy.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that server blocks sharing a listener agree on it: the same {@code tls},
 * {@code protocols} and limits on every {@code <listen>}; on a TLS listener at least one
 * server block has a {@code <tls>} and they all use the same TLS protocols and ciphers (one
 * TLS context serves the listener, the certificate is chosen per SNI).
 */
final class ListenerValidation {
    private ListenerValidation() {
    }

    static void check(List<ServerConfig> servers, List<ConfigError> errors) {
        Map<String, ListenConfig> first = new LinkedHashMap<>();
        Map<String, List<ServerConfig>> byListener = new LinkedHashMap<>();
        for (ServerConfig server : servers) {
            for (ListenConfig listen : server.listens()) {
                ListenConfig at = first.putIfAbsent(listen.key(), listen);
                byListener.computeIfAbsent(listen.key(), k -> new ArrayList<>()).add(server);
                if (at != null && !at.shape().equals(listen.shape())) {
                    errors.add(new ConfigError(listen.origin(), "listener " + listen.key() + " is declared with "
                        + listen.shape() + " here but with " + at.shape() + " at " + at.origin(),
                        "the same tls, protocols and limits on every <listen> of one host:port"));
                }
            }
            if (server.tls() != null && server.listens().stream().noneMatch(ListenConfig::tls)) {
                errors.add(new ConfigError(server.tls().origin(), "<tls> in a server block without a TLS listener",
                    "a <listen port=\"8443\" tls=\"true\"/> beside it"));
            }
        }
        for (Map.Entry<String, ListenConfig> e : first.entrySet()) {
            ListenConfig listen = e.getValue();
            if (!listen.tls()) {
                continue;
            }
            TlsConfig reference = null;
            for (ServerConfig server : byListener.get(e.getKey())) {
                TlsConfig tls = server.tls();
                if (tls == null) {
                    continue;
                }
                if (reference == null) {
                    reference = tls;
                } else if (!reference.listenerShape().equals(tls.listenerShape())) {
                    errors.add(new ConfigError(tls.origin(), "TLS listener " + e.getKey() + " is shared with the <tls> at "
                        + reference.origin() + " which has " + reference.listenerShape() + ", this one has "
                        + tls.listenerShape(), "the same protocols and ciphers on every <tls> of one listener"));
                }
            }
            // A <tls> that failed to load was reported already: no second error about the same listener.
            if (reference == null && errors.isEmpty()) {
                errors.add(new ConfigError(listen.origin(), "TLS listener " + e.getKey()
                    + " has no certificate: no server block on it has a <tls>",
                    "<tls cert=\"etc/tls/site.crt\" key=\"etc/tls/site.key\"/> in one of its server blocks"));
            }
        }
    }
}
