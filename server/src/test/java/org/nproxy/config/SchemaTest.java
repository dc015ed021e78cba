package org.nproxy.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.nio.file.Files;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;

import org.junit.jupiter.api.Test;
import org.xml.sax.SAXException;

/** etc/nproxy.xsd stays in step with the bundled configuration and rejects structural mistakes. */
class SchemaTest {
    private static Validator validator() throws Exception {
        SchemaFactory f = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        Schema schema = f.newSchema(Path.of("../etc/nproxy.xsd").toFile());
        return schema.newValidator();
    }

    @Test
    void bundledConfigIsValid() throws Exception {
        validator().validate(new StreamSource(Path.of("../etc/nproxy.xml").toFile()));
    }

    @Test
    void upstreamResolveIsADuration() throws Exception {
        Path file = Files.createTempFile("resolve", ".xml");
        String upstream = "<nproxy><upstream name=\"app\" resolve=\"%s\"><peer address=\"app.internal:80\"/></upstream></nproxy>";
        Files.writeString(file, upstream.formatted("30s"));
        validator().validate(new StreamSource(file.toFile()));
        Files.writeString(file, upstream.formatted("often"));
        assertThrows(SAXException.class, () -> validator().validate(new StreamSource(file.toFile())));
    }

    @Test
    void structuralMistakesAreRejected() throws Exception {
        Path bad = Files.createTempFile("bad", ".xml");
        Files.writeString(bad, "<nproxy><sever/></nproxy>");
        assertThrows(SAXException.class, () -> validator().validate(new StreamSource(bad.toFile())));
        Files.writeString(bad, "<nproxy shutdown-timeout=\"10 seconds\"/>");
        assertThrows(SAXException.class, () -> validator().validate(new StreamSource(bad.toFile())));
    }
}
