package org.nproxy.files.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** The built-in table: Jetty's, with our overrides and additions, and which types take a charset. */
class MimeTableTest {
    private static final Map<String, String> TABLE = MimeTable.defaults();

    private static String type(String name) {
        return MimeTable.lookup(TABLE, name, "application/octet-stream");
    }

    @Test
    void modernWebTypes() {
        assertEquals("text/html", type("index.html"));
        assertEquals("text/css", type("site.css"));
        assertEquals("text/javascript", type("app.js"));
        assertEquals("text/javascript", type("module.mjs"));
        assertEquals("application/wasm", type("lib.wasm"));
        assertEquals("image/avif", type("photo.avif"));
        assertEquals("image/webp", type("photo.webp"));
        assertEquals("font/woff2", type("font.woff2"));
        assertEquals("application/manifest+json", type("site.webmanifest"));
        assertEquals("image/png", type("LOGO.PNG"), "extensions are matched case-insensitively");
    }

    @Test
    void jettyTypesWeNeverListedAndOursWhereJettyDiffers() {
        assertEquals("image/apng", type("anim.apng"), "from Jetty's table");
        assertEquals("application/zstd", type("dump.zst"), "from Jetty's table");
        assertEquals("font/otf", type("font.otf"), "Jetty says OpenDocument formula template");
        assertEquals("audio/ogg", type("sound.ogg"));
        assertEquals("text/markdown", type("README.md"), "Jetty has none");
        assertEquals("video/mp2t", type("segment.ts"));
    }

    @Test
    void unknownAndMissingExtensionsFallBack() {
        assertEquals("application/octet-stream", type("data.nosuchext"));
        assertEquals("application/octet-stream", type("Makefile"));
        assertEquals("application/octet-stream", type("trailingdot."));
    }

    @Test
    void charsetGoesToTextualTypes() {
        assertTrue(MimeTable.isText(type("a.txt")));
        assertTrue(MimeTable.isText(type("a.json")));
        assertTrue(MimeTable.isText(type("a.svg")));
        assertTrue(MimeTable.isText(type("a.xml")));
        assertFalse(MimeTable.isText(type("a.png")));
        assertFalse(MimeTable.isText(type("a.wasm")));
    }
}
