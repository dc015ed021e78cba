package org.nproxy.upstream.forward;

import java.net.InetAddress;

/** An address block such as {@code 10.0.0.0/8}, {@code ::1/128} or a single address. */
public record Cidr(byte[] network, int bits) {
    /**
     * Parses {@code a.b.c.d[/n]} or an IPv6 literal; throws IllegalArgumentException. Never asks
     * DNS (the JDK's {@code InetAddress.getByName} falls back to a lookup for text that is not a
     * literal): both forms are parsed here.
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        if (!addr.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException(text);
        }
        try {
            byte[] net = addr.indexOf(':') < 0 ? ipv4(addr, text) : ipv6(addr, text);
            int bits = slash < 0 ? net.length * 8 : Integer.parseInt(text.substring(slash + 1));
            if (bits < 0 || bits > net.length * 8) {
                throw new IllegalArgumentException(text);
            }
            return new Cidr(net, bits);
        } catch (NumberFormatException e) {
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

    /** RFC 4291 text: eight groups of 1-4 hex digits, one {@code ::}, an IPv4 tail allowed. */
    private static byte[] ipv6(String addr, String text) {
        int gap = addr.indexOf("::");
        if (gap >= 0 && addr.indexOf("::", gap + 1) >= 0) {
            throw new IllegalArgumentException(text);
        }
        String head = gap < 0 ? addr : addr.substring(0, gap);
        String tail = gap < 0 ? "" : addr.substring(gap + 2);
        java.util.List<Integer> before = groups(head, text, gap < 0);
        java.util.List<Integer> after = groups(tail, text, true);
        int total = before.size() + after.size();
        if (gap < 0 ? total != 8 : total > 7) {
            throw new IllegalArgumentException(text);
        }
        byte[] out = new byte[16];
        for (int i = 0; i < before.size(); i++) {
            out[2 * i] = (byte) (before.get(i) >> 8);
            out[2 * i + 1] = (byte) (int) before.get(i);
        }
        for (int i = 0; i < after.size(); i++) {
            int at = 8 - after.size() + i;
            out[2 * at] = (byte) (after.get(i) >> 8);
            out[2 * at + 1] = (byte) (int) after.get(i);
        }
        // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address, as the JDK and the kernel see it.
        boolean mapped = out[10] == (byte) 0xFF && out[11] == (byte) 0xFF;
        for (int i = 0; i < 10 && mapped; i++) {
            mapped = out[i] == 0;
        }
        return mapped ? java.util.Arrays.copyOfRange(out, 12, 16) : out;
    }

    /** 16-bit groups of one side of {@code ::}; an IPv4 tail (only where allowed) counts as two. */
    private static java.util.List<Integer> groups(String part, String text, boolean v4TailAllowed) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if (part.isEmpty()) {
            return out;
        }
        String[] pieces = part.split(":", -1);
        for (int i = 0; i < pieces.length; i++) {
            String g = pieces[i];
            if (i == pieces.length - 1 && v4TailAllowed && g.indexOf('.') >= 0) {
                byte[] v4 = ipv4(g, text);
                out.add(((v4[0] & 0xFF) << 8) | (v4[1] & 0xFF));
                out.add(((v4[2] & 0xFF) << 8) | (v4[3] & 0xFF));
                continue;
            }
            if (g.isEmpty() || g.length() > 4 || !g.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
                throw new IllegalArgumentException(text);
            }
            out.add(Integer.parseInt(g, 16));
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
