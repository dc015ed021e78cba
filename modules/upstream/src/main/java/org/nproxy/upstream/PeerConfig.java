package org.nproxy.upstream;

import java.time.Duration;

/**
 * One {@code <peer>} of an upstream group.
 *
 * @param address     {@code host:port}; a DNS name is resolved by the proxy module, on each new
 *                    connection or on the upstream's {@code resolve} timer
 * @param weight      share of traffic relative to the other peers; default 1
 * @param maxFails    failures within {@code failTimeout} that take the peer out; default 1, 0 = never
 * @param failTimeout window for counting failures and time out of rotation; default 10s
 * @param maxConns    cap on concurrent connections; default 0 = unlimited
 * @param backup      gets traffic only when every primary peer is unusable; default false
 * @param down        permanently out of rotation; default false
 */
public record PeerConfig(String address, String host, int port, int weight, int maxFails, Duration failTimeout,
                         int maxConns, boolean backup, boolean down) {
}
