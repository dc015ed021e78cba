package org.nproxy.upstream.forward;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address block such as {@code 10.0.0.0/8}, {@code ::1/128} or a single address. */
public record Cidr(byte[] network, int bits) {
    /** Parses {@code a.b.c.d[/n]} or an IPv6 literal; throws IllegalArgumentException. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        if (!addr.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException(text);
        }
        try {
            byte[] net = InetAddress.getByName(addr).getAddress();
            int bits = slash < 0 ? net.length * 8 : Integer.parseInt(text.substring(slash + 1));
            if (bits < 0 || bits > net.length * 8) {
                throw new IllegalArgumentException(text);
            }
            return new Cidr(net, bits);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (network[full] & mask);
    }
}
