package org.nproxy.server.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

import org.eclipse.jetty.server.Request;

/**
 * {@code $remote_addr} for the access log without formatting the address on every line:
 * {@link InetAddress#getHostAddress()} builds a new String each call, and the profile showed it
 * as the access log's largest single cost. A small direct-mapped cache keyed by the address's
 * value (all connections from one client share an entry); entries are immutable, so racy reads
 * and overwrites are harmless.
 */
final class RemoteAddresses {
    private record Entry(InetAddress address, String text) {
    }

    private static final int SIZE = 256; // a power of two
    private static final Entry[] CACHE = new Entry[SIZE];

    private RemoteAddresses() {
    }

    /** What {@link Request#getRemoteAddr(Request)} returns, usually from the cache. */
    static String of(Request request) {
        SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
        InetAddress address = remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
        if (address == null) {
            return Request.getRemoteAddr(request);
        }
        int slot = address.hashCode() & (SIZE - 1);
        Entry e = CACHE[slot];
        if (e != null && e.address.equals(address)) {
            return e.text;
        }
        String text = Request.getRemoteAddr(request);
        CACHE[slot] = new Entry(address, text);
        return text;
    }
}
