package org.nproxy.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Listeners bind with SO_REUSEPORT so that {@code nproxy.sh upgrade} can start a new process on
 * the same ports; but then a second instance on a port already in use would bind too and share
 * its traffic silently. A plain bind (without SO_REUSEPORT) first, released at once, fails with
 * "Address already in use" in that case, as without SO_REUSEPORT.
 */
public final class PortProbe {
    private PortProbe() {
    }

    /** Throws when another socket listens on host:port; port 0 is always free. */
    public static void check(String host, int port) throws IOException {
        if (port == 0) {
            return;
        }
        InetSocketAddress address = host == null || host.isEmpty() ? new InetSocketAddress(port)
            : new InetSocketAddress(host, port);
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(address);
        } catch (IOException e) {
            throw new IOException("cannot bind " + address + ": " + e.getMessage(), e);
        }
    }
}
