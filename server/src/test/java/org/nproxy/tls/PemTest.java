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

    /** Review finding: an algorithm we cannot use was read as RSA; now it is named, with what is supported. */
    @Test
    void unsupportedKeyAlgorithmIsNamed() throws Exception {
        certs.openssl("genpkey", "-algorithm", "X25519", "-out", "x25519.key");
        TlsMaterialException x25519 = assertThrows(TlsMaterialException.class,
            () -> Pem.privateKey(f("x25519.key"), null));
        String m = x25519.getMessage();
        assertTrue(m.startsWith(f("x25519.key") + ": unsupported private key algorithm X25519")
            && m.contains("OID 1.3.101.110") && m.contains("supported: RSA, EC"), m);

        // A PKCS#8 PrivateKeyInfo whose AlgorithmIdentifier is 1.2.3.4.5 (no one's key type).
        byte[] unknown = Der.tlv(0x30, Der.VERSION_0, Der.tlv(0x30, new byte[] {0x06, 0x04, 0x2a, 0x03, 0x04, 0x05}),
            Der.tlv(0x04, new byte[] {0x04, 0x00}));
        Files.writeString(f("unknown.key"), "-----BEGIN PRIVATE KEY-----\n"
            + java.util.Base64.getMimeEncoder().encodeToString(unknown) + "\n-----END PRIVATE KEY-----\n");
        TlsMaterialException other = assertThrows(TlsMaterialException.class, () -> Pem.privateKey(f("unknown.key"), null));
        assertEquals(f("unknown.key") + ": unsupported private key algorithm unknown algorithm (OID 1.2.3.4.5);"
            + " supported: RSA, EC (P-256, P-384, P-521), Ed25519, Ed448", other.getMessage());

        certs.openssl("genpkey", "-algorithm", "ED25519", "-out", "ed25519.key");
        String ed = Pem.privateKey(f("ed25519.key"), null).getAlgorithm();
        assertTrue(ed.equals("Ed25519") || ed.equals("EdDSA"), "still read: " + ed);
    }

    @Test
    void oidsInDottedForm() {
        byte[] rsa = Der.OID_RSA;
        assertEquals("1.2.840.113549.1.1.1", Der.oid(rsa, Der.read(rsa, 0)));
        byte[] ec = Der.OID_EC;
        assertEquals("1.2.840.10045.2.1", Der.oid(ec, Der.read(ec, 0)));
        byte[] joint = {0x06, 0x03, (byte) 0x88, 0x37, 0x03}; // 2.999.3: first arc 2, second > 39
        assertEquals("2.999.3", Der.oid(joint, Der.read(joint, 0)));
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
