package org.nproxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class VirtualHostsTest {
    record S(String id, List<String> names, boolean isDefault) {
    }

    private static VirtualHosts<S> hosts(S... servers) {
        return new VirtualHosts<>(List.of(servers), S::names, S::isDefault);
    }

    @Test
    void nginxOrder() {
        S exact = new S("exact", List.of("www.example.com"), false);
        S leading = new S("leading", List.of("*.example.com"), false);
        S longerLeading = new S("longer", List.of("*.api.example.com"), false);
        S trailing = new S("trailing", List.of("www.example.*"), false);
        S regex = new S("regex", List.of("~^(www|shop)\\d+\\."), false);
        S fallback = new S("fallback", List.of("other.test"), true);
        VirtualHosts<S> v = hosts(regex, trailing, exact, leading, longerLeading, fallback);
        assertEquals("exact", v.select("www.example.com").id());
        assertEquals("exact", v.select("WWW.Example.COM").id());
        assertEquals("exact", v.select("www.example.com:8080").id());
        assertEquals("exact", v.select("www.example.com.").id());
        assertEquals("leading", v.select("a.example.com").id());
        assertEquals("leading", v.select("a.b.example.com").id());
        assertEquals("longer", v.select("v1.api.example.com").id());
        assertEquals("trailing", v.select("www.example.org").id(), "leading wildcard beats trailing; trailing beats regex");
        assertEquals("regex", v.select("shop1.anything.net").id());
        assertEquals("fallback", v.select("example.com").id(), "*.example.com does not match example.com");
        assertEquals("fallback", v.select("unknown.test").id());
        assertEquals("fallback", v.select(null).id());
        assertEquals("fallback", v.select("").id());
    }

    @Test
    void defaultIsFirstUnlessMarked() {
        S a = new S("a", List.of("a.test"), false);
        S b = new S("b", List.of("b.test"), false);
        assertEquals("a", hosts(a, b).select("zzz").id());
        S c = new S("c", List.of("c.test"), true);
        assertEquals("c", hosts(a, b, c).select("zzz").id());
    }

    @Test
    void dotShorthandCoversApexAndSubdomains() {
        S dot = new S("dot", List.of(".example.net"), false);
        S other = new S("other", List.of("x.test"), true);
        VirtualHosts<S> v = hosts(dot, other);
        assertEquals("dot", v.select("example.net").id());
        assertEquals("dot", v.select("a.example.net").id());
        assertEquals("other", v.select("badexample.net").id());
    }

    @Test
    void normalize() {
        assertEquals("example.com", VirtualHosts.normalize("Example.COM.:443"));
        assertEquals("[::1]", VirtualHosts.normalize("[::1]:8080"));
        assertEquals(null, VirtualHosts.normalize(" "));
    }
}
