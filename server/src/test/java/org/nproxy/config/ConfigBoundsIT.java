package org.nproxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nproxy.config.internal.ConfigBounds;
import org.nproxy.config.internal.Substitutor;
import org.nproxy.config.internal.XmlReader;
import org.nproxy.server.NproxyServer;
import org.nproxy.testing.Http;
import org.nproxy.testing.NproxyFixture;

/** Issue 18: a configuration can not exhaust the memory of the server that checks or reloads it. */
class ConfigBoundsIT {
    private static final String SMALL = """
        <nproxy><server><listen host="127.0.0.1" port="0"/>
          <location path="/"><return body="still here"/></location>
        </server></nproxy>""";

    @Test
    void aReloadOf700000LocationsIsRefusedQuicklyAndTheServerKeepsServing() throws Exception {
        try (NproxyFixture nproxy = NproxyFixture.start(SMALL)) {
            Path huge = nproxy.base().resolve("etc/nproxy.xml");
            try (BufferedWriter w = Files.newBufferedWriter(huge)) {
                w.write("<nproxy><server><listen host=\"127.0.0.1\" port=\"" + nproxy.port() + "\"/>\n");
                for (int i = 0; i < 700_000; i++) {
                    w.write("<location path=\"= /page/" + i + "\"><return body=\"page " + i + " of many\"/></location>\n");
                }
                w.write("</server></nproxy>\n");
            }
            assertTrue(Files.size(huge) > 50_000_000, "a 50 MB file: " + Files.size(huge));
            long start = System.nanoTime();
            NproxyServer.ReloadResult result = nproxy.server().reload();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertFalse(result.ok(), result.toString());
            assertTrue(result.message().contains("nproxy.xml:1:1") && result.message().contains("nproxy.config.max-bytes"),
                result.message());
            assertTrue(millis < 2000, "refused in " + millis + " ms");
            assertEquals("still here", Http.body(Http.get(nproxy.port(), "/", "a")));
        }
    }

    @Test
    void tooManyElementsStopTheParseWhereTheBoundIsCrossed() throws Exception {
        Path file = Files.createTempFile("nproxy-bounds", ".xml");
        StringBuilder xml = new StringBuilder("<nproxy><server>\n");
        for (int i = 0; i < 100; i++) {
            xml.append("  <location path=\"/").append(i).append("\"/>\n");
        }
        xml.append("</server></nproxy>\n");
        Files.writeString(file, xml);
        List<ConfigError> errors = new ArrayList<>();
        XmlReader reader = new XmlReader(new Substitutor(Map.of()), errors::add, new ConfigBounds(1 << 20, 50, 32));
        assertNull(reader.read(file));
        assertEquals(1, errors.size(), errors.toString());
        // Elements 1 and 2 are <nproxy> and <server>: the 51st is the location on line 50.
        assertEquals(file + ":50:3", errors.get(0).origin().toString());
        assertTrue(errors.get(0).toString().contains("nproxy.config.max-elements=50"), errors.toString());
        Files.delete(file);
    }

    @Test
    void boundsAddUpOverIncludesAndDepthIsBounded() throws Exception {
        Path file = Files.createTempFile("nproxy-bounds", ".xml");
        Files.writeString(file, "<a>" + "<b>".repeat(40) + "</b>".repeat(40) + "</a>");
        List<ConfigError> errors = new ArrayList<>();
        assertNull(new XmlReader(new Substitutor(Map.of()), errors::add, new ConfigBounds(1000, 1000, 32)).read(file));
        assertTrue(errors.get(0).toString().contains("max-depth=32"), errors.toString());
        errors.clear();
        XmlReader reader = new XmlReader(new Substitutor(Map.of()), errors::add, new ConfigBounds(250, 1000, 32));
        Files.writeString(file, "<a>" + "<b/>".repeat(30) + "</a>"); // 127 bytes: twice is over 250
        assertTrue(reader.read(file) != null, errors.toString());
        assertNull(reader.read(file));
        assertTrue(errors.get(0).toString().contains("after 127 in other files"), errors.toString());
        Files.delete(file);
    }

    @Test
    void entityExpansionIsRefused() throws Exception {
        Path file = Files.createTempFile("nproxy-bounds", ".xml");
        Files.writeString(file, "<?xml version=\"1.0\"?>\n<!DOCTYPE nproxy [<!ENTITY a \"aaaaaaaaaa\">"
            + "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
            + "<nproxy drain-timeout=\"&c;\"/>\n");
        List<ConfigError> errors = new ArrayList<>();
        assertNull(new XmlReader(new Substitutor(Map.of()), errors::add).read(file));
        assertTrue(errors.get(0).toString().contains("DOCTYPE"), errors.toString());
        Files.delete(file);
    }
}
