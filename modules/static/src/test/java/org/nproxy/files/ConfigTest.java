package org.nproxy.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.nproxy.config.ConfigException;
import org.nproxy.server.ModuleRegistry;
import org.nproxy.server.NproxyServer;

/** {@code <static>} validation: every mistake named at its file:line:column with what to write instead. */
class ConfigTest {
    private static String errors(String staticElement) throws Exception {
        Path base = Files.createTempDirectory("nproxy-static-config");
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("not-a-dir"), "x");
        Path config = base.resolve("etc/nproxy.xml");
        Files.writeString(config, "<nproxy><server><listen host=\"127.0.0.1\" port=\"0\"/>\n"
            + "<location path=\"/\">\n" + staticElement + "\n</location></server></nproxy>");
        ConfigException e = assertThrows(ConfigException.class,
            () -> NproxyServer.check(base, config, ModuleRegistry.load(List.of())));
        return e.errors().stream().map(Object::toString).collect(Collectors.joining("\n"));
    }

    @Test
    void rootXorAlias() throws Exception {
        String both = errors("<static root=\"a\" alias=\"b\"/>");
        assertTrue(both.contains("exactly one of root and alias"), both);
        assertTrue(both.contains("nproxy.xml:3"), both);
        assertTrue(errors("<static/>").contains("exactly one of root and alias"));
    }

    @Test
    void badValues() throws Exception {
        String e = errors("<static root=\"not-a-dir\" try-files=\"$uri =abc\" precompressed=\"lzma\" expires=\"soon\""
            + " symlinks=\"sometimes\" autoindex=\"maybe\" roots=\"x\"><type type=\"bad type\" extensions=\"x\"/><mime/></static>");
        for (String expected : List.of("is not a directory", "bad status '=abc'", "unknown encoding 'lzma'",
            "bad duration expires", "symlinks=\"sometimes\"", "bad flag autoindex", "unknown attribute 'roots'",
            "bad media type 'bad type'", "unknown element <mime>")) {
            assertTrue(e.contains(expected), "missing '" + expected + "' in:\n" + e);
        }
        assertEquals(9, e.lines().count(), e);
    }

    @Test
    void inlineMaxIsBounded() throws Exception {
        String e = errors("<static root=\".\" inline-max=\"1m\"/>");
        assertTrue(e.contains("inline-max=\"1m\" is out of range") && e.contains("0 to 64k"), e);
        assertTrue(errors("<static root=\".\" inline-max=\"lots\"/>").contains("bad size inline-max"));
    }

    @Test
    void tryFilesShape() throws Exception {
        assertTrue(errors("<static root=\".\" try-files=\"=404 $uri\"/>").contains("must be the last entry"));
        assertTrue(errors("<static root=\".\" try-files=\"$uri\"/>").contains("at least two entries"));
        assertTrue(errors("<static root=\".\" try-files=\"$uri index.html\"/>").contains("is not a URI"));
    }
}
