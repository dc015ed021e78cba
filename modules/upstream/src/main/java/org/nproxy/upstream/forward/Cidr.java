package org.nproxy.upstream.forward;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address block such as {@code 10.0.0.0/8}, {@code ::1/128} or a single address. */
public record Cidr(byte[] network, int bits) {
    /**
     * Parses {@code a.b.c.d[/n]} or an IPv6 literal; throws IllegalArgumentException. Never asks
     * DNS: text without a colon must be four decimal octets, and text with one is parsed by the
     * JDK as an IPv6 literal only.
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        if (!addr.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException(text);
        }
        try {
            byte[] net = addr.indexOf(':') < 0 ? ipv4(addr, text) : InetAddress.getByName(addr).getAddress();
            int bits = slash < 0 ? net.length * 8 : Integer.parseInt(text.substring(slash + 1));
            if (bits < 0 || bits > net.length * 8) {
                throw new IllegalArgumentException(text);
            }
            return new Cidr(net, bits);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private static byte[] ipv4(String addr, String text) {
        String[] parts = addr.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException(text);
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException(text);
            }
            int n = Integer.parseInt(p);
            if (n > 255) {
                throw new IllegalArgumentException(text);
            }
            out[i] = (byte) n;
        }
        return out;
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
