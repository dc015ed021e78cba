package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;

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
}
