package org.nproxy.cache.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An address block of {@code purge-from}: {@code 127.0.0.1/32}, {@code 10.0.0.0/8},
 * {@code ::1/128}, or one address. Only literals are accepted (no name look-ups).
 */
public final class AddressBlock {
    private final byte[] prefix;
    private final int bits;

    private AddressBlock(byte[] prefix, int bits) {
        this.prefix = prefix;
        this.bits = bits;
    }

    /** Parses a block; throws {@link IllegalArgumentException} naming the text. */
    public static AddressBlock parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String literal = slash < 0 ? t : t.substring(0, slash);
        if (literal.isEmpty() || !literal.matches("[0-9A-Fa-f:.]+") || (!literal.contains(":") && !literal.matches("[0-9.]+"))) {
            throw new IllegalArgumentException("'" + text + "' is not an address block");
        }
        try {
            byte[] address = InetAddress.getByName(literal).getAddress();
            int bits = slash < 0 ? address.length * 8 : Integer.parseInt(t.substring(slash + 1));
            if (bits < 0 || bits > address.length * 8) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0-" + address.length * 8);
            }
            return new AddressBlock(address, bits);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an address block", e);
        }
    }

    /** Whether the address lies in this block (IPv4 never matches an IPv6 block and back). */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != prefix.length) {
            return false;
        }
        for (int bit = 0; bit < bits; bit += 8) {
            int i = bit / 8;
            int take = Math.min(8, bits - bit);
            int mask = (0xFF00 >> take) & 0xFF;
            if ((a[i] & mask) != (prefix[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(prefix).getHostAddress() + "/" + bits;
        } catch (UnknownHostException e) {
            return Arrays.toString(prefix) + "/" + bits;
        }
    }
}
