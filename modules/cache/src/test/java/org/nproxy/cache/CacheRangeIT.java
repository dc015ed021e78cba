package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

/** Range requests answered from a stored full response (RFC 9110 §14), inline and file bodies. */
class CacheRangeIT {
    @Test
    void rangesOfStoredBodies() throws Exception {
        byte[] big = CacheCollapseAndRestartIT.body(200_000);
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/big", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("ETag", "\"b1\"");
                rq.setAttribute("body", big);
            });
            rig.get("/page");
            ContentResponse small = rig.get("/page", "Range", "bytes=0-4");
            assertEquals(206, small.getStatus());
            assertEquals("/page", small.getContentAsString());
            assertEquals("bytes 0-4/8", small.getHeaders().get("Content-Range"));
            assertEquals("#1", rig.get("/page", "Range", "bytes=-2").getContentAsString());
            assertEquals(416, rig.get("/page", "Range", "bytes=50-").getStatus());

            rig.get("/big");
            ContentResponse part = rig.get("/big", "Range", "bytes=100000-170000");
            assertEquals(206, part.getStatus());
            assertArrayEquals(Arrays.copyOfRange(big, 100_000, 170_001), part.getContent());
            ContentResponse stale = rig.get("/big", "Range", "bytes=0-9", "If-Range", "\"other\"");
            assertEquals(200, stale.getStatus());
            assertEquals(big.length, stale.getContent().length);
            assertEquals(1, origin.count("/page"));
            assertEquals(1, origin.count("/big"));
        }
    }

    /** RFC 9110 §14.6: several ranges as multipart/byteranges, from an inline and from a file body. */
    @Test
    void severalRangesAsMultipartByteranges() throws Exception {
        byte[] big = CacheCollapseAndRestartIT.body(200_000);
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/big", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Content-Type", "application/octet-stream");
                rq.setAttribute("body", big);
            });
            origin.on("/page", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Content-Type", "text/plain");
            });
            rig.get("/page"); // "/page #1"
            ContentResponse two = rig.get("/page", "Range", "bytes=0-0, -2");
            assertEquals(206, two.getStatus());
            List<String[]> parts = parts(two);
            assertEquals(2, parts.size());
            assertEquals("text/plain", parts.get(0)[0]);
            assertEquals("bytes 0-0/8", parts.get(0)[1]);
            assertEquals("/", parts.get(0)[2]);
            assertEquals("bytes 6-7/8", parts.get(1)[1]);
            assertEquals("#1", parts.get(1)[2]);
            assertEquals(two.getContent().length, two.getHeaders().getLongField("Content-Length"));

            rig.get("/big");
            ContentResponse three = rig.get("/big", "Range", "bytes=10-19,150000-150099,199990-");
            assertEquals(206, three.getStatus());
            List<String[]> p3 = parts(three);
            assertEquals(3, p3.size());
            assertEquals("bytes 150000-150099/200000", p3.get(1)[1]);
            assertEquals(new String(Arrays.copyOfRange(big, 150_000, 150_100), StandardCharsets.ISO_8859_1), p3.get(1)[2]);
            assertEquals(new String(Arrays.copyOfRange(big, 199_990, 200_000), StandardCharsets.ISO_8859_1), p3.get(2)[2]);

            // overlapping ranges are coalesced (§14.2): one range, a plain 206
            ContentResponse merged = rig.get("/big", "Range", "bytes=0-9,5-14");
            assertEquals(206, merged.getStatus());
            assertEquals("bytes 0-14/200000", merged.getHeaders().get("Content-Range"));
            // none satisfiable: 416 with the length
            ContentResponse none = rig.get("/big", "Range", "bytes=300000-,400000-400010");
            assertEquals(416, none.getStatus());
            assertEquals("bytes */200000", none.getHeaders().get("Content-Range"));
            // a syntax error in one spec: the whole Range is ignored (200)
            assertEquals(200, rig.get("/big", "Range", "bytes=0-9,x-y").getStatus());
            assertEquals(1, origin.count("/big"));
            assertEquals(1, origin.count("/page"));
        }
    }

    /** RFC 9110 §13.1.5: If-Range with a date holds only for the exact, strong Last-Modified. */
    @Test
    void ifRangeWithADateOrAWeakTag() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            String lastModified = "Tue, 01 Dec 2026 10:00:00 GMT";
            origin.on("/doc", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Last-Modified", lastModified);
                rs.getHeaders().put("ETag", "W/\"w1\"");
            });
            rig.get("/doc");
            ContentResponse same = rig.get("/doc", "Range", "bytes=0-3", "If-Range", lastModified);
            assertEquals(206, same.getStatus());
            assertEquals("/doc", same.getContentAsString());
            ContentResponse other = rig.get("/doc", "Range", "bytes=0-3", "If-Range", "Tue, 01 Dec 2026 09:00:00 GMT");
            assertEquals(200, other.getStatus());
            assertEquals("/doc #1", other.getContentAsString());
            // a weak entity tag never satisfies If-Range (strong comparison)
            assertEquals(200, rig.get("/doc", "Range", "bytes=0-3", "If-Range", "W/\"w1\"").getStatus());
            assertEquals(1, origin.count("/doc"));
        }
    }

    /** The parts of a multipart/byteranges answer: {Content-Type, Content-Range, body} each. */
    static List<String[]> parts(ContentResponse r) {
        String type = r.getHeaders().get("Content-Type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        String boundary = type.substring(type.indexOf('=') + 1);
        String body = new String(r.getContent(), StandardCharsets.ISO_8859_1);
        assertTrue(body.endsWith("\r\n--" + boundary + "--\r\n"), "closing delimiter");
        List<String[]> out = new ArrayList<>();
        String[] chunks = body.split("(\r\n)?--" + java.util.regex.Pattern.quote(boundary) + "(--)?\r\n", -1);
        for (String c : chunks) {
            if (c.isEmpty()) {
                continue;
            }
            int blank = c.indexOf("\r\n\r\n");
            String[] part = {null, null, c.substring(blank + 4)};
            for (String line : c.substring(0, blank).split("\r\n")) {
                if (line.startsWith("Content-Type: ")) {
                    part[0] = line.substring(14);
                } else if (line.startsWith("Content-Range: ")) {
                    part[1] = line.substring(15);
                }
            }
            out.add(part);
        }
        return out;
    }
}
