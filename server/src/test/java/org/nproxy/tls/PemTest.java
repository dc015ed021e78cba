package org.nproxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nproxy.config.ConfigException;
import org.nproxy.server.ModuleRegistry;
import org.nproxy.server.NproxyServer;
import org.nproxy.testing.TestCerts;

/** PEM and PKCS#12 reading on keys and chains made by openssl, and the errors operators see. */
class PemTest {
    @TempDir
    static Path dir;
    static TestCerts certs;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = new TestCerts(dir.resolve("certs"));
        certs.leaf("rsa.test", "rsa");
        certs.leaf("ec.test", "ec");
        certs.expired();
    }

    private static Path f(String name) {
        return certs.dir().resolve(name);
    }

    @Test
    void rsaKeyAsPkcs8AndPkcs1() throws Exception {
        KeyMaterial pkcs8 = KeyMaterial.fromPem(f("rsa.test.crt"), f("rsa.test.key"), null);
        assertEquals("RSA", pkcs8.key().getAlgorithm());
        assertEquals(2, pkcs8.chain().size(), "leaf and CA");
        assertTrue(pkcs8.leaf().getSubjectX500Principal().getName().contains("CN=rsa.test"));
        assertTrue(Files.readString(certs.pkcs1("rsa.test")).contains("BEGIN RSA PRIVATE KEY"));
        KeyMaterial pkcs1 = KeyMaterial.fromPem(f("rsa.test.crt"), f("rsa.test.pkcs1.key"), null);
        assertTrue(pkcs1.sameAs(pkcs8));
    }

    @Test
    void ecKeyAsPkcs8AndSec1WithParameters() throws Exception {
        KeyMaterial pkcs8 = KeyMaterial.fromPem(f("ec.test.crt"), f("ec.test.key"), null);
        assertEquals("EC", pkcs8.key().getAlgorithm());
        String sec1 = Files.readString(certs.sec1("ec.test"));
        assertTrue(sec1.contains("BEGIN EC PARAMETERS") && sec1.contains("BEGIN EC PRIVATE KEY"), sec1);
        KeyMaterial traditional = KeyMaterial.fromPem(f("ec.test.crt"), f("ec.test.sec1.key"), null);
        assertTrue(traditional.sameAs(pkcs8));
    }

    @Test
    void encryptedPkcs8NeedsTheRightPassword() throws Exception {
        Path key = certs.encrypted("rsa.test", "s3cret");
        KeyMaterial ok = KeyMaterial.fromPem(f("rsa.test.crt"), key, "s3cret".toCharArray());
        assertEquals("RSA", ok.key().getAlgorithm());
        TlsMaterialException wrong = assertThrows(TlsMaterialException.class,
            () -> KeyMaterial.fromPem(f("rsa.test.crt"), key, "nope".toCharArray()));
        assertTrue(wrong.getMessage().startsWith(key.toString()) && wrong.getMessage().contains("password"),
            wrong.getMessage());
        TlsMaterialException none = assertThrows(TlsMaterialException.class,
            () -> KeyMaterial.fromPem(f("rsa.test.crt"), key, null));
        assertTrue(none.getMessage().contains("encrypted but no password"), none.getMessage());
    }

    @Test
    void pkcs12() throws Exception {
        Path p12 = certs.pkcs12("ec.test", "pw");
        KeyMaterial m = KeyMaterial.fromPkcs12(p12, "pw".toCharArray(), null);
        assertEquals(2, m.chain().size());
        TlsMaterialException wrong = assertThrows(TlsMaterialException.class,
            () -> KeyMaterial.fromPkcs12(p12, "bad".toCharArray(), null));
        assertTrue(wrong.getMessage().startsWith(p12.toString()) && wrong.getMessage().contains("password"),
            wrong.getMessage());
    }

    @Test
    void badInputsNameTheFile() {
        TlsMaterialException missing = assertThrows(TlsMaterialException.class,
            () -> KeyMaterial.fromPem(f("nothere.crt"), f("rsa.test.key"), null));
        assertEquals(f("nothere.crt") + ": file not found", missing.getMessage());

        TlsMaterialException mismatch = assertThrows(TlsMaterialException.class,
            () -> KeyMaterial.fromPem(f("rsa.test.crt"), f("ec.test.key"), null));
        assertTrue(mismatch.getMessage().startsWith(f("ec.test.key").toString())
            && mismatch.getMessage().contains("does not match the certificate"), mismatch.getMessage());

        TlsMaterialException expired = assertThrows(TlsMaterialException.class,
            () -> KeyMaterial.fromPem(f("expired.crt"), f("expired.key"), null));
        assertTrue(expired.getMessage().contains(f("expired.crt").toString())
            && expired.getMessage().contains("expired on 2001-01-02"), expired.getMessage());

        TlsMaterialException notPem = assertThrows(TlsMaterialException.class,
            () -> Pem.certificates(f("rsa.test.ext")));
        assertTrue(notPem.getMessage().contains("not a PEM file"), notPem.getMessage());
    }

    @Test
    void anotherRsaKeyDoesNotMatch() throws Exception {
        certs.leaf("other.test", "rsa");
        TlsMaterialException mismatch = assertThrows(TlsMaterialException.class,
            () -> KeyMaterial.fromPem(f("rsa.test.crt"), f("other.test.key"), null));
        assertTrue(mismatch.getMessage().contains("does not match"), mismatch.getMessage());
    }

    /** nproxy.sh check: each bad <tls> is an error at its file:line:column naming the PEM file. */
    @Test
    void checkReportsEveryBadTlsAtItsLine() throws Exception {
        Path base = dir.resolve("check");
        Files.createDirectories(base.resolve("etc"));
        String xml = """
            <nproxy>
              <server names="a.test"><listen host="127.0.0.1" port="0" tls="true"/>
                <tls cert="%1$s/rsa.test.crt" key="%1$s/ec.test.key"/>
                <location path="/"><return body="a"/></location></server>
              <server names="b.test"><listen host="127.0.0.1" port="0" tls="true"/>
                <tls cert="%1$s/expired.crt" key="%1$s/expired.key"/>
                <location path="/"><return body="b"/></location></server>
              <server names="c.test"><listen host="127.0.0.1" port="0" tls="true"/>
                <tls cert="%1$s/missing.crt" key="%1$s/rsa.test.key"/>
                <location path="/"><return body="c"/></location></server>
              <server names="d.test"><listen host="127.0.0.1" port="0" tls="true"/>
                <tls cert="%1$s/rsa.test.crt" key="%1$s/rsa.test.enc.key" key-password="wrong"/>
                <location path="/"><return body="d"/></location></server>
            </nproxy>""".formatted(certs.dir());
        certs.encrypted("rsa.test", "s3cret");
        Files.writeString(base.resolve("etc/nproxy.xml"), xml);
        ConfigException e = assertThrows(ConfigException.class, () -> NproxyServer.check(base,
            base.resolve("etc/nproxy.xml"), ModuleRegistry.load(List.of())));
        String message = e.getMessage();
        assertTrue(message.contains("nproxy.xml:3:") && message.contains("ec.test.key: the private key"), message);
        assertTrue(message.contains("nproxy.xml:6:") && message.contains("expired on"), message);
        assertTrue(message.contains("nproxy.xml:9:") && message.contains("missing.crt: file not found"), message);
        assertTrue(message.contains("nproxy.xml:12:") && message.contains("wrong key password"), message);
    }
}
