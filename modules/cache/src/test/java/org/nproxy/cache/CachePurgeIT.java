package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;

import org.junit.jupiter.api.Test;

/** PURGE of a URL, of a prefix and by tag; refused from addresses outside purge-from. */
class CachePurgeIT {
    @Test
    void purgeRemovesAnEntry() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            rig.get("/p");
            rig.get("/p");
            assertEquals(1, origin.count("/p"));
            assertEquals(200, rig.send("PURGE", "/p").getStatus());
            assertEquals(404, rig.send("PURGE", "/p").getStatus());
            assertEquals("/p #2", rig.get("/p").getContentAsString());
            assertEquals(0, origin.methods.stream().filter(m -> m.startsWith("PURGE")).count());
        }
    }

    @Test
    void purgeOfAPrefixAndOfATag() throws Exception {
        try (CountingOrigin origin = new CountingOrigin(); CacheRig rig = CacheRig.start(origin)) {
            origin.on("/t", (rq, rs, n) -> {
                rs.getHeaders().put("Cache-Control", "max-age=60");
                rs.getHeaders().put("Cache-Tag", "news, sport");
            });
            rig.get("/a/1");
            rig.get("/a/2");
            rig.get("/b");
            rig.get("/t");
            assertEquals(200, rig.send("PURGE", "/a/*").getStatus());
            assertEquals("/a/1 #2", rig.get("/a/1").getContentAsString());
            assertEquals("/a/2 #2", rig.get("/a/2").getContentAsString());
            assertEquals("/b #1", rig.get("/b").getContentAsString());
            var byTag = rig.client.newRequest(rig.uri("/anything")).method("PURGE")
                .headers(h -> h.put("Cache-Tag", "sport")).send();
            assertEquals(200, byTag.getStatus());
            assertEquals("/t #2", rig.get("/t").getContentAsString());
        }
    }

    @Test
    void purgeFromAnAddressOutsidePurgeFromIsRefused() throws Exception {
        try (CountingOrigin origin = new CountingOrigin();
             CacheRig rig = CacheRig.start(Files.createTempDirectory("nproxy-cache-test"),
                 CacheRig.config(origin.port(), "purge-from=\"10.0.0.0/8\""))) {
            rig.get("/p");
            assertEquals(403, rig.send("PURGE", "/p").getStatus());
            assertEquals("/p #1", rig.get("/p").getContentAsString());
            assertEquals(1, origin.count("/p"));
        }
    }
}
