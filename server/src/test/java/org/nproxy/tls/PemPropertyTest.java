package org.nproxy.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue 18, fuzzing: PEM files and the DER inside them. Whatever the bytes, reading a key or a
 * certificate chain either succeeds or throws {@link TlsMaterialException}; {@code Der.read}
 * either returns a TLV inside the array or throws IllegalArgumentException.
 */
class PemPropertyTest {
    private static final List<String> TYPES = List.of("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY", "CERTIFICATE", "TRUSTED CERTIFICATE", "X");
    static Path dir;
    static byte[] rsaPkcs8;
    static byte[] ecPkcs8;

    @BeforeContainer
    static void keys() throws Exception {
        dir = Files.createTempDirectory("nproxy-pem-fuzz");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        rsaPkcs8 = rsa.generateKeyPair().getPrivate().getEncoded();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        ecPkcs8 = ec.generateKeyPair().getPrivate().getEncoded();
    }

    @AfterContainer
    static void clean() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** A real key's DER, or its inner PKCS#1/SEC1 part, with a few bytes changed and maybe cut short. */
    @Provide
    Arbitrary<byte[]> mutatedDer() {
        Arbitrary<byte[]> base = Arbitraries.of(true, false).flatMap(rsa -> Arbitraries.of(true, false).map(inner -> {
            byte[] pkcs8 = rsa ? rsaPkcs8 : ecPkcs8;
            if (!inner) {
                return pkcs8.clone();
            }
            Der.Tlv seq = Der.read(pkcs8, 0);
            Der.Tlv version = Der.read(pkcs8, seq.start());
            Der.Tlv alg = Der.read(pkcs8, version.end());
            Der.Tlv octets = Der.read(pkcs8, alg.end());
            return Arrays.copyOfRange(pkcs8, octets.start(), octets.end());
        }));
        Arbitrary<int[]> edits = Arbitraries.integers().between(0, 4000).array(int[].class).ofMaxSize(6);
        Arbitrary<Integer> cut = Arbitraries.integers().between(0, 4000);
        return Combinators.combine(base, edits, cut, Arbitraries.bytes().array(byte[].class).ofSize(6)).as((der, at, keep, values) -> {
            byte[] d = der.clone();
            for (int i = 0; i < at.length; i++) {
                d[at[i] % d.length] = values[i];
            }
            return keep < d.length && keep % 3 == 0 ? Arrays.copyOf(d, keep) : d;
        });
    }

    @Provide
    Arbitrary<byte[]> anyDer() {
        return Arbitraries.oneOf(mutatedDer(), Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
            // Lengths in long form, any int: the place where sizes overflow.
            Combinators.combine(Arbitraries.integers(), Arbitraries.bytes().array(byte[].class).ofMaxSize(8)).as((len, b) -> {
                byte[] d = Arrays.copyOf(new byte[] {0x30, (byte) 0x84, (byte) (len >>> 24), (byte) (len >>> 16),
                    (byte) (len >>> 8), (byte) (int) len}, 6 + b.length);
                System.arraycopy(b, 0, d, 6, b.length);
                return d;
            }));
    }

    @Property(tries = 500)
    void privateKeyReadsOrSaysWhy(@ForAll("anyDer") byte[] der, @ForAll("type") String type) throws Exception {
        Path file = pem(type, der);
        try {
            Pem.privateKey(file, "secret".toCharArray());
        } catch (TlsMaterialException expected) {
            // the documented error
        }
        try {
            Pem.certificates(file);
        } catch (TlsMaterialException expected) {
            // the documented error
        }
    }

    @Property(tries = 400)
    void anyFileReadsOrSaysWhy(@ForAll byte[] bytes) throws Exception {
        Path file = Files.write(dir.resolve("any.pem"), bytes);
        try {
            Pem.privateKey(file, null);
        } catch (TlsMaterialException expected) {
            // the documented error
        }
    }

    @Property(tries = 400)
    void brokenArmourSaysWhy(@ForAll("armour") String text) throws Exception {
        Path file = Files.writeString(dir.resolve("armour.pem"), text, StandardCharsets.ISO_8859_1);
        try {
            Pem.certificates(file);
        } catch (TlsMaterialException expected) {
            // the documented error
        }
    }

    @Property(tries = 3000)
    void derReadStaysInside(@ForAll("anyDer") byte[] der, @ForAll("offset") int offset) {
        try {
            Der.Tlv t = Der.read(der, Math.min(offset, der.length));
            if (t.start() < 0 || t.end() < t.start() || t.end() > der.length) {
                throw new AssertionError("TLV outside the array: " + t + " of " + der.length);
            }
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
    }

    /** A four-byte length near 2^31: offset + length overflows an int. */
    @Example
    void derLengthNearIntMaxIsRefused() {
        byte[] der = {0x30, (byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xfd, 0, 0};
        try {
            Der.Tlv t = Der.read(der, 0);
            throw new AssertionError("read " + t + " from " + der.length + " bytes");
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
    }

    @Provide
    Arbitrary<String> type() {
        return Arbitraries.of(TYPES);
    }

    @Provide
    Arbitrary<Integer> offset() {
        return Arbitraries.integers().between(0, 20);
    }

    @Provide
    Arbitrary<String> armour() {
        return Arbitraries.strings().withChars("-BEGINDCRTFAKYPVX :\nab=+/0").ofMaxLength(120)
            .map(s -> "-----BEGIN " + s);
    }

    private static Path pem(String type, byte[] der) throws Exception {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return Files.writeString(dir.resolve("key.pem"), "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    }
}
