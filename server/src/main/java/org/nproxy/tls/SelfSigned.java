package org.nproxy.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Makes the self-signed certificate of the bundled configuration as a PKCS#12 file: CN=localhost,
 * SAN {@code localhost}, {@code 127.0.0.1}, {@code ::1}; EC P-256 signed with SHA256withECDSA;
 * valid 10 years. Nothing happens when the file already exists, so it is generated once, at
 * first start (or first {@code check}).
 *
 * <p>Everything happens in this process, with the JDK's {@code KeyPairGenerator} and
 * {@code Signature} and the X.509 structure written as DER here ({@link Der}): forking
 * {@code keytool} cost a second JVM start on every first {@code check}, start and reload. The
 * file is written by {@link Pkcs12}, cheap to read back (see there why).
 */
public final class SelfSigned {
    /** Password of the generated PKCS#12 file (it protects nothing: the file is local state). */
    public static final String PASSWORD = "nproxy-self-signed";
    /** How long the certificate is valid. */
    static final Duration VALIDITY = Duration.ofDays(3650);
    /** Start of validity before now: a client whose clock is a little behind still accepts it. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String COMMON_NAME = "2.5.4.3";
    private static final String KEY_USAGE = "2.5.29.15";
    private static final String SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    private SelfSigned() {
    }

    /** Writes {@code p12} (key entry {@code nproxy}, password {@link #PASSWORD}) unless it exists. */
    public static void ensure(Path p12) throws TlsMaterialException {
        if (Files.isRegularFile(p12)) {
            return;
        }
        Path dir = p12.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            X509Certificate cert = certificate(pair, Instant.now());
            byte[] pfx = Pkcs12.write("nproxy", pair.getPrivate(), cert, PASSWORD.toCharArray());
            Files.createDirectories(dir);
            // Written aside (owner-only, as createTempFile makes it), then renamed: a concurrent
            // reader never sees half a file.
            tmp = Files.createTempFile(dir, ".self-signed", ".p12");
            Files.write(tmp, pfx);
            Files.move(tmp, p12, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | GeneralSecurityException e) {
            deleteQuietly(tmp);
            throw new TlsMaterialException(p12 + ": cannot generate the self-signed certificate: " + e, e);
        }
    }

    /** The self-signed X.509 v3 certificate of {@code pair}, valid from {@code now} - {@link #BACKDATE}. */
    static X509Certificate certificate(KeyPair pair, Instant now) throws GeneralSecurityException {
        Instant notBefore = now.truncatedTo(ChronoUnit.SECONDS).minus(BACKDATE);
        byte[] serial = new byte[16];
        new SecureRandom().nextBytes(serial);
        serial[0] = (byte) ((serial[0] & 0x7f) | 0x40); // positive, 16 bytes, never zero (RFC 5280, 4.1.2.2)
        byte[] name = Der.tlv(0x30, Der.tlv(0x31, Der.tlv(0x30, Der.oid(COMMON_NAME),
            Der.tlv(0x0c, "localhost".getBytes(StandardCharsets.UTF_8)))));
        byte[] algorithm = Der.tlv(0x30, Der.oid(ECDSA_WITH_SHA256));
        byte[] tbs = Der.tlv(0x30,
            Der.tlv(0xa0, Der.tlv(0x02, new byte[] {2})), // [0] version: v3
            Der.unsignedInteger(serial),
            algorithm,
            name, // issuer = subject: self-signed
            Der.tlv(0x30, Der.time(notBefore), Der.time(notBefore.plus(VALIDITY))),
            name,
            pair.getPublic().getEncoded(), // SubjectPublicKeyInfo, as the JDK already encodes it
            Der.tlv(0xa3, Der.tlv(0x30, extensions())));
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(pair.getPrivate());
        signer.update(tbs);
        byte[] signature = signer.sign(); // DER ECDSA-Sig-Value, what X.509 wants in the BIT STRING
        byte[] der = Der.tlv(0x30, tbs, algorithm, Der.tlv(0x03, new byte[] {0}, signature));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(der));
    }

    /** basicConstraints (not a CA), keyUsage digitalSignature, extendedKeyUsage serverAuth, the SANs. */
    private static byte[][] extensions() {
        byte[] critical = Der.tlv(0x01, new byte[] {(byte) 0xff});
        byte[] notCa = Der.tlv(0x30);
        byte[] digitalSignature = Der.tlv(0x03, new byte[] {7, (byte) 0x80}); // bit 0, 7 unused bits
        byte[] serverAuth = Der.tlv(0x30, Der.oid(SERVER_AUTH));
        byte[] names = Der.tlv(0x30,
            Der.tlv(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)), // [2] dNSName
            Der.tlv(0x87, new byte[] {127, 0, 0, 1}), // [7] iPAddress
            Der.tlv(0x87, ipv6Loopback()));
        return new byte[][] {
            Der.tlv(0x30, Der.oid(BASIC_CONSTRAINTS), critical, Der.tlv(0x04, notCa)),
            Der.tlv(0x30, Der.oid(KEY_USAGE), critical, Der.tlv(0x04, digitalSignature)),
            Der.tlv(0x30, Der.oid(EXTENDED_KEY_USAGE), Der.tlv(0x04, serverAuth)),
            Der.tlv(0x30, Der.oid(SUBJECT_ALT_NAME), Der.tlv(0x04, names))};
    }

    private static byte[] ipv6Loopback() {
        byte[] address = new byte[16];
        address[15] = 1;
        return address;
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp == null) {
            return;
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // a stray hidden temporary file; the error being reported matters more
        }
    }
}
