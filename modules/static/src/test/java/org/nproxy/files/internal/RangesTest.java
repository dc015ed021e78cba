package org.nproxy.files.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class RangesTest {
    @Test
    void parses() {
        assertEquals(List.of(new Ranges.Range(0, 9)), Ranges.parse("bytes=0-9", 100));
        assertEquals(List.of(new Ranges.Range(90, 99)), Ranges.parse("bytes=-10", 100));
        assertEquals(List.of(new Ranges.Range(0, 99)), Ranges.parse("bytes=-1000", 100));
        assertEquals(List.of(new Ranges.Range(50, 99)), Ranges.parse("BYTES= 50-", 100));
        assertEquals(List.of(new Ranges.Range(1, 1), new Ranges.Range(3, 4)), Ranges.parse("bytes=1-1, 3-4", 100));
        assertEquals(List.of(new Ranges.Range(5, 99)), Ranges.parse("bytes=5-100000000000000", 100));
    }

    @Test
    void unsatisfiableIsEmpty() {
        assertTrue(Ranges.parse("bytes=100-", 100).isEmpty());
        assertTrue(Ranges.parse("bytes=-0", 100).isEmpty());
        assertTrue(Ranges.parse("bytes=0-0", 0).isEmpty());
    }

    @Test
    void malformedIsIgnored() {
        assertNull(Ranges.parse("bytes=a-b", 100));
        assertNull(Ranges.parse("bytes=5-1", 100));
        assertNull(Ranges.parse("lines=1-2", 100));
        assertNull(Ranges.parse("bytes=1", 100));
        assertNull(Ranges.parse("bytes=-", 100));
        assertNull(Ranges.parse("bytes=99999999999999999999-", 100));
        assertNull(Ranges.parse("bytes=" + "0-0,".repeat(Ranges.MAX_RANGES + 1), 100));
    }

    @Test
    void validators() {
        String tag = "\"5f-1a\"";
        long lm = 1_700_000_000L;
        String lmText = org.eclipse.jetty.http.DateGenerator.formatDate(lm * 1000);
        assertEquals(Validators.Outcome.NOT_MODIFIED, Validators.evaluate(null, null, "W/" + tag, null, tag, lm));
        assertEquals(Validators.Outcome.PRECONDITION_FAILED, Validators.evaluate("W/" + tag, null, null, null, tag, lm));
        assertEquals(Validators.Outcome.PROCEED, Validators.evaluate(tag, null, null, null, tag, lm));
        assertEquals(Validators.Outcome.NOT_MODIFIED, Validators.evaluate(null, null, null, lmText, tag, lm));
        assertEquals(Validators.Outcome.PROCEED, Validators.evaluate(null, null, null, "garbage", tag, lm));
        assertEquals(Validators.Outcome.PRECONDITION_FAILED, Validators.evaluate("\"a\", \"b\"", lmText, null, null, tag, lm),
            "If-Match wins over If-Unmodified-Since");
        assertTrue(Validators.ifRange(tag, tag, lm));
        assertTrue(!Validators.ifRange("W/" + tag, tag, lm));
        assertTrue(Validators.ifRange(lmText, tag, lm));
        assertTrue(!Validators.ifRange(lmText, tag, lm + 1));
    }
}
