package org.nproxy.upstream;

/**
 * Connections to one peer: open = idle + in use (+ being opened), and the pool's cap.
 *
 * @param max the cap on connections to the peer ({@code keepalive}), known before first use
 */
public record PoolStats(int open, int idle, int inUse, int max) {
    PoolStats plus(PoolStats o) {
        return new PoolStats(open + o.open, idle + o.idle, inUse + o.inUse, max + o.max);
    }
}
