package org.nproxy.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nproxy.testing.Gen;

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

    @BeforeAll
    static void keys() throws Exception {
        dir = Files.createTempDirectory("nproxy-pem-fuzz");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        rsaPkcs8 = rsa.generateKeyPair().getPrivate().getEncoded();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        ecPkcs8 = ec.generateKeyPair().getPrivate().getEncoded();
    }

    @AfterAll
    static void clean() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** A real key's DER, or its inner PKCS#1/SEC1 part, with a few bytes changed and maybe cut short. */
    static byte[] mutatedDer(Gen g) {
        byte[] pkcs8 = g.bool() ? rsaPkcs8 : ecPkcs8;
        byte[] d;
        if (g.bool()) {
            d = pkcs8.clone();
        } else {
            Der.Tlv seq = Der.read(pkcs8, 0);
            Der.Tlv version = Der.read(pkcs8, seq.start());
            Der.Tlv alg = Der.read(pkcs8, version.end());
            Der.Tlv octets = Der.read(pkcs8, alg.end());
            d = Arrays.copyOfRange(pkcs8, octets.start(), octets.end());
        }
        int[] at = g.ints(0, 6, 0, 4000);
        int keep = g.intBetween(0, 4000);
        byte[] values = g.bytes(6);
        for (int i = 0; i < at.length; i++) {
            d[at[i] % d.length] = values[i];
        }
        return keep < d.length && keep % 3 == 0 ? Arrays.copyOf(d, keep) : d;
    }

    static byte[] anyDer(Gen g) {
        return switch (g.intBetween(0, 2)) {
            case 0 -> mutatedDer(g);
            case 1 -> g.bytes(0, 300);
            default -> {
                // Lengths in long form, any int: the place where sizes overflow.
                int len = g.anyInt();
                byte[] b = g.bytes(0, 8);
                byte[] d = Arrays.copyOf(new byte[] {0x30, (byte) 0x84, (byte) (len >>> 24), (byte) (len >>> 16),
                    (byte) (len >>> 8), (byte) len}, 6 + b.length);
                System.arraycopy(b, 0, d, 6, b.length);
                yield d;
            }
        };
    }

    static String armour(Gen g) {
        return "-----BEGIN " + g.string("-BEGINDCRTFAKYPVX :\nab=+/0", 0, 120);
    }

    @Test
    void privateKeyReadsOrSaysWhy() {
        Gen.forAll(18_401, 500, g -> {
            Path file = pem(g.oneOf(TYPES), anyDer(g));
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
        });
    }

    @Test
    void anyFileReadsOrSaysWhy() {
        Gen.forAll(18_402, 400, g -> {
            Path file = Files.write(dir.resolve("any.pem"), g.bytes(0, 255));
            try {
                Pem.privateKey(file, null);
            } catch (TlsMaterialException expected) {
                // the documented error
            }
        });
    }

    @Test
    void brokenArmourSaysWhy() {
        Gen.forAll(18_403, 400, g -> {
            Path file = Files.writeString(dir.resolve("armour.pem"), armour(g), StandardCharsets.ISO_8859_1);
            try {
                Pem.certificates(file);
            } catch (TlsMaterialException expected) {
                // the documented error
            }
        });
    }

    @Test
    void derReadStaysInside() {
        Gen.forAll(18_404, 3000, g -> {
            byte[] der = anyDer(g);
            int offset = g.intBetween(0, 20);
            try {
                Der.Tlv t = Der.read(der, Math.min(offset, der.length));
                if (t.start() < 0 || t.end() < t.start() || t.end() > der.length) {
                    throw new AssertionError("TLV outside the array: " + t + " of " + der.length);
                }
            } catch (IllegalArgumentException expected) {
                // the documented error
            }
        });
    }

    /** A four-byte length near 2^31: offset + length overflows an int. */
    @Test
    void derLengthNearIntMaxIsRefused() {
        byte[] der = {0x30, (byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xfd, 0, 0};
        try {
            Der.Tlv t = Der.read(der, 0);
            throw new AssertionError("read " + t + " from " + der.length + " bytes");
        } catch (IllegalArgumentException expected) {
            // the documented error
        }
    }

    private static Path pem(String type, byte[] der) throws Exception {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return Files.writeString(dir.resolve("key.pem"), "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    }
}
