package org.nproxy.upstream.forward;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Disabled;
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
     * Fails today: {@code Cidr.parse("cafe.babe")} (any text of hex letters, digits and dots that
     * is not an IPv4 literal, e.g. a typo such as "10.0.0.0.1") goes to {@code InetAddress.getByName}
     * as a host name and waits for DNS (5 s here), or resolves to a real address. Reported to the
     * lead (the proxy module is theirs); enable once parse() refuses non-literals without a lookup.
     */
    @Disabled("Cidr.parse resolves hex-letter names through DNS: see the Javadoc")
    @Test
    void parsesOrSaysWhyWithoutDns() {
        Gen.forAll(18_602, 2000, g -> parseQuickly(cidrish(g)));
    }

    private static void parseQuickly(String text) throws Exception {
        long start = System.nanoTime();
        try {
            Cidr cidr = Cidr.parse(text);
            assertTrue(cidr.bits() >= 0 && cidr.bits() <= cidr.network().length * 8, text);
            assertTrue(cidr.contains(InetAddress.getByAddress(cidr.network())), text);
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 500, "'" + text + "' took " + millis + " ms (a DNS lookup?)");
    }
}
