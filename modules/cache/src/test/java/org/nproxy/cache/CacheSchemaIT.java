package org.nproxy.cache;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;
import java.nio.file.Path;

import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Validator;

import org.junit.jupiter.api.Test;
import org.xml.sax.SAXException;

/** etc/nproxy.xsd knows the cache module's elements: editors and CI checks see cache configs as they are. */
class CacheSchemaIT {
    static Validator validator() throws SAXException {
        return javax.xml.validation.SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
            .newSchema(Path.of("../../etc/nproxy.xsd").toFile()).newValidator();
    }

    @Test
    void cacheConfigsValidate() throws Exception {
        validator().validate(new StreamSource(new StringReader(CacheRig.config(9001,
            "purge-from=\"127.0.0.1/32\" key=\"$scheme$host$uri\" lock-timeout=\"2s\" heuristic=\"10%\"", 8080))));
    }

    @Test
    void badCacheAttributesAreRejected() {
        assertThrows(SAXException.class, () -> validator().validate(new StreamSource(new StringReader(
            CacheRig.config(9001, "lock-timeout=\"soon\"", 8080)))));
        assertThrows(SAXException.class, () -> validator().validate(new StreamSource(new StringReader(
            CacheRig.config(9001, "zone-name=\"pages\"", 8080)))));
    }
}
