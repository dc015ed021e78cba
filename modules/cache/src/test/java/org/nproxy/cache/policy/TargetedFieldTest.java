package org.nproxy.cache.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** RFC 9213 (targeted cache-control fields) with a configured target list, walked in order. */
class TargetedFieldTest {
    static final long T0 = 1_700_000_000_000L;
    static final List<String> LIST = List.of("Nproxy-Cache-Control", "CDN-Cache-Control");
    static final PolicyOptions OPTIONS = PolicyOptions.DEFAULTS.withTargeted(LIST);

    static Exchange exchange(String... headers) {
        return new Exchange(200, Headers.of(headers), T0, T0);
    }

    @Test
    @DisplayName("RFC 9213 §2.1 the first field of the target list present wins; the others and Cache-Control are ignored")
    void firstInListWins() {
        Exchange e = exchange("Cache-Control", "max-age=5", "CDN-Cache-Control", "max-age=60",
            "Nproxy-Cache-Control", "max-age=600");
        assertEquals(600, Freshness.lifetime(e, OPTIONS));
        // the list's order counts, not the order of the fields in the response
        assertEquals(60, Freshness.lifetime(e, PolicyOptions.DEFAULTS.withTargeted(List.of("CDN-Cache-Control",
            "Nproxy-Cache-Control"))));
    }

    @Test
    @DisplayName("RFC 9213 §2.1 a later field of the list applies when the first is absent")
    void laterFieldWhenFirstAbsent() {
        Exchange e = exchange("Cache-Control", "max-age=5", "CDN-Cache-Control", "max-age=60");
        assertEquals(60, Freshness.lifetime(e, OPTIONS));
    }

    @Test
    @DisplayName("RFC 9213 §2.1 a targeted field ignores Expires too")
    void expiresIgnored() {
        Exchange e = exchange("Date", Headers.formatDate(T0), "Expires", Headers.formatDate(T0 + 3_600_000),
            "Nproxy-Cache-Control", "must-revalidate");
        assertTrue(Freshness.explicitLifetime(e.headers(), LIST).isEmpty());
        assertEquals(0, Freshness.lifetime(e, OPTIONS));
        assertEquals(3600, Freshness.lifetime(e, PolicyOptions.DEFAULTS), "not targeted at this cache by default");
    }

    @Test
    @DisplayName("RFC 9213 §2.1 an invalid targeted field is ignored: the next one, else Cache-Control, applies")
    void invalidFieldIgnored() {
        Exchange badFirst = exchange("Cache-Control", "max-age=5", "CDN-Cache-Control", "max-age=60",
            "Nproxy-Cache-Control", "max-age=600,,");
        assertEquals(60, Freshness.lifetime(badFirst, OPTIONS));
        Exchange allBad = exchange("Cache-Control", "max-age=5", "CDN-Cache-Control", "Max-Age=60",
            "Nproxy-Cache-Control", "max-age=\"600");
        assertEquals(5, Freshness.lifetime(allBad, OPTIONS));
        Exchange empty = exchange("Cache-Control", "max-age=5", "Nproxy-Cache-Control", "");
        assertEquals(5, Freshness.lifetime(empty, OPTIONS));
    }

    @Test
    @DisplayName("RFC 9213 §2.1 an invalid targeted no-store does not stop storing under Cache-Control")
    void invalidNoStoreIgnored() {
        Headers h = Headers.of("Cache-Control", "max-age=60", "Nproxy-Cache-Control", "no-store=");
        assertTrue(Storability.decide("GET", Headers.EMPTY, 200, h, OPTIONS).store());
        Headers valid = Headers.of("Cache-Control", "max-age=60", "Nproxy-Cache-Control", "no-store");
        assertEquals("no-store", Storability.decide("GET", Headers.EMPTY, 200, valid, OPTIONS).reason());
    }

    @Test
    @DisplayName("RFC 9213 §2.1 a targeted field overrides Cache-Control no-store for this cache only")
    void targetedAllowsStoring() {
        Headers h = Headers.of("Cache-Control", "no-store", "Nproxy-Cache-Control", "max-age=60");
        assertTrue(Storability.decide("GET", Headers.EMPTY, 200, h, OPTIONS).store());
        assertEquals("no-store", Storability.decide("GET", Headers.EMPTY, 200, h, PolicyOptions.DEFAULTS).reason());
    }

    @Test
    @DisplayName("RFC 9213 §2.1 an empty target list means Cache-Control only, CDN-Cache-Control included")
    void emptyList() {
        Exchange e = exchange("Cache-Control", "max-age=5", "CDN-Cache-Control", "max-age=60");
        assertEquals(5, Freshness.lifetime(e, PolicyOptions.DEFAULTS.withTargeted(List.of())));
        assertEquals(60, Freshness.lifetime(e, PolicyOptions.DEFAULTS), "the default list is CDN-Cache-Control");
    }

    @Test
    @DisplayName("RFC 9213 §2.1 the stale rules read the targeted field (must-revalidate, stale-while-revalidate)")
    void servabilityReadsTargeted() {
        Exchange e = new Exchange(200, Headers.of("Date", Headers.formatDate(T0), "Cache-Control",
            "max-age=10, stale-while-revalidate=100", "Nproxy-Cache-Control", "max-age=10, must-revalidate"), T0, T0);
        long now = T0 + 20_000;
        assertEquals(Servability.Use.REVALIDATE, Servability.decide(Headers.EMPTY, e, now, OPTIONS).use());
        assertEquals(Servability.Use.STALE_WHILE_REVALIDATE,
            Servability.decide(Headers.EMPTY, e, now, PolicyOptions.DEFAULTS).use());
    }

    @Test
    @DisplayName("RFC 9213 §2.2 directives map from Structured Field types; parameters are ignored")
    void structuredTypes() {
        CacheControl cc = TargetedField.parse("max-age=60;x=1, must-revalidate, private=\"Set-Cookie\", "
            + "stale-if-error=30, no-transform=?0, foo=bar, no-cache=(\"X-A\" \"X-B\")");
        assertEquals(60, cc.seconds("max-age").getAsLong());
        assertEquals("", cc.value("must-revalidate"));
        assertEquals("Set-Cookie", cc.value("private"));
        assertEquals(30, cc.seconds("stale-if-error").getAsLong());
        assertFalse(cc.has("no-transform"), "?0 is false: the directive is absent");
        assertEquals("bar", cc.value("foo"));
        assertEquals("X-A, X-B", cc.value("no-cache"));
    }

    @Test
    @DisplayName("RFC 9213 §2.2 (RFC 8941 §4.2) parse errors make the whole field invalid")
    void parseErrors() {
        for (String bad : List.of("Max-Age=60", "max-age=60,", "max-age=60 s-maxage=5", "max-age=\"60",
            "max-age=1234567890123456", "=60", "max-age=?2", "private=\"a\\b\"", "max-age=60;", "max-age=é")) {
            assertNull(TargetedField.parse(bad), bad);
        }
        assertNull(TargetedField.parse(""), "empty");
        assertNull(TargetedField.parse("   "), "only white space");
        assertEquals(60, TargetedField.parse("  max-age=60 ,\tno-store  ").seconds("max-age").getAsLong());
    }

    @Test
    @DisplayName("RFC 8941 §4.2.2 a duplicated key keeps its last value")
    void duplicateKeys() {
        assertEquals(600, TargetedField.parse("max-age=60, max-age=600").seconds("max-age").getAsLong());
        assertFalse(TargetedField.parse("no-store, no-store=?0, max-age=1").has("no-store"));
    }

    @Test
    @DisplayName("RFC 9213 §2.1 field lines of one targeted field are combined before parsing")
    void combinedLines() {
        Headers h = Headers.of("Nproxy-Cache-Control", "max-age=60", "Nproxy-Cache-Control", "must-revalidate");
        CacheControl cc = Freshness.directives(h, LIST);
        assertEquals(60, cc.seconds("max-age").getAsLong());
        assertTrue(cc.has("must-revalidate"));
    }
}
