package org.nproxy.upstream.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;
import org.nproxy.testing.Gen;

/**
 * Issue 18, fuzzing (test only: Cidr belongs to the proxy module): {@link Cidr#parse} either
 * returns a block or throws IllegalArgumentException, quickly (a CIDR is never a host name to
 * resolve), and a parsed block contains its own network address.
 */
class CidrPropertyTest {
    /** IPv6-shaped address text (a ':', no '/'): InetAddress parses it as a literal, never via DNS. */
    static String v6ish(Gen g) {
        return g.string("0123456789abcdefABCDEF:.", 0, 44) + ":";
    }

    static String cidrish(Gen g) {
        return g.string("0123456789abcdefABCDEF:./%-", 0, 45);
    }

    @Test
    void v6ParsesOrSaysWhy() {
        Gen.forAll(18_601, 2000, g -> {
            String text = v6ish(g);
            parseQuickly(text);
            parseQuickly(text + "/64");
            parseQuickly("::" + text.substring(0, text.length() - 1) + "/129");
        });
    }

    /**
     * Text of hex letters, digits and dots that is not an IPv4 literal ("cafe.babe", a typo such
     * as "10.0.0.0.1") must be refused without a DNS lookup (it once went to
     * {@code InetAddress.getByName} as a host name): {@link CountingResolver} counts lookups.
     */
    @Test
    void parsesOrSaysWhyWithoutDns() {
        Gen.forAll(18_602, 2000, g -> parseQuickly(cidrish(g)));
    }

    @Test
    void literalsParseToTheJdksBytesAndNonLiteralsAreRefused() throws Exception {
        for (String literal : java.util.List.of("::1", "::", "2001:db8::1", "::ffff:10.0.0.1", "fe80::1:2:3:4",
            "1:2:3:4:5:6:7:8", "1::", "10.1.2.3", "0.0.0.0", "255.255.255.255")) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(InetAddress.getByName(literal).getAddress(),
                Cidr.parse(literal).network(), literal);
        }
        for (String bad : java.util.List.of("1::2::3", "12345::", ":::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "cafe.babe",
            "10.0.0.0.1", "256.0.0.1", "1.2.3", "::1.2.3.4.5", "1.2.3.4::", "::/129", "10.0.0.0/33")) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
        }
    }

    private static void parseQuickly(String text) throws Exception {
        long lookups = CountingResolver.LOOKUPS.get();
        try {
            Cidr cidr = Cidr.parse(text);
            assertTrue(cidr.bits() >= 0 && cidr.bits() <= cidr.network().length * 8, text);
            assertTrue(cidr.contains(InetAddress.getByAddress(cidr.network())), text);
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
        assertEquals(lookups, CountingResolver.LOOKUPS.get(), "'" + text + "' was looked up in DNS");
    }
}
