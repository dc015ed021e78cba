package org.nproxy.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

/** W3C traceparent parsing and formatting (the proxy-level behaviour is in TraceContextPropagationIT). */
class TraceContextTest {
    @Test
    void formatsWithLeadingZerosAndHighBits() {
        TraceContext t = TraceContext.parse("00-000000000000000100000000000000ff-8000000000000000-01", null);
        assertNotNull(t);
        assertEquals(1L, t.traceIdHigh());
        assertEquals(0xffL, t.traceIdLow());
        assertEquals(Long.MIN_VALUE, t.parentSpanId());
        assertEquals("000000000000000100000000000000ff", t.traceId());
        assertEquals("00-000000000000000100000000000000ff-0000000000000001-01", t.traceparent(1));
        assertEquals("ffffffffffffffff", TraceContext.hex(-1));
    }

    @Test
    void roundTripsAnyIds() {
        for (int i = 0; i < 2000; i++) {
            TraceContext t = TraceContext.newTrace();
            String header = t.traceparent(t.spanId());
            assertTrue(header.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), header);
            TraceContext back = TraceContext.fromHeaders(HttpFields.build().add("traceparent", header));
            assertEquals(t.traceId(), back.traceId());
            assertEquals(t.spanId(), back.parentSpanId());
        }
    }

    @Test
    void rejectsWhatTheSpecRejects() {
        String id = "4bf92f3577b34da6a3ce929d0e0e4736";
        String span = "00f067aa0ba902b7";
        assertNotNull(TraceContext.parse("00-" + id + "-" + span + "-00", null));
        assertNotNull(TraceContext.parse("cc-" + id + "-" + span + "-00-future", null));
        assertNull(TraceContext.parse("cc-" + id + "-" + span + "-00future", null));
        assertNull(TraceContext.parse("ff-" + id + "-" + span + "-00", null));
        assertNull(TraceContext.parse("00-" + id + "-" + span + "-00 ", null));
        assertNull(TraceContext.parse("0g-" + id + "-" + span + "-00", null));
        assertNull(TraceContext.parse("00-" + id.replace('b', 'B') + "-" + span + "-00", null));
        assertNull(TraceContext.parse("00-" + id + "-" + span.replace('f', 'F') + "-00", null));
        assertNull(TraceContext.parse("00-" + id + "_" + span + "-00", null));
        assertNull(TraceContext.parse("00-" + id + "-" + span + "-0", null));
    }
}
