package org.nproxy.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;

import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;

/**
 * Writes a PKCS#12 file (RFC 7292) holding one private key and its certificate, protected only as
 * much as a password written in our own source deserves: the key shrouded with PBES2 (AES-256,
 * PBKDF2-HMAC-SHA256) at one iteration, the certificate in clear, no MAC.
 *
 * <p>Why not {@code KeyStore.store}: it encrypts the certificates and adds a MAC at the JDK's
 * default 10,000 PBKDF2 iterations each, and every later load pays them again. In a fresh JVM
 * (before the JIT) that is about a second of CPU per {@code check} or start, for a file whose
 * password is public. Any PKCS#12 reader (the JDK's {@code KeyStore}, {@code openssl pkcs12})
 * reads this one.
 */
final class Pkcs12 {
    private static final String DATA = "1.2.840.113549.1.7.1";
    private static final String SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2";
    private static final String CERT_BAG = "1.2.840.113549.1.12.10.1.3";
    private static final String X509_CERTIFICATE = "1.2.840.113549.1.9.22.1";
    private static final String FRIENDLY_NAME = "1.2.840.113549.1.9.20";
    private static final String LOCAL_KEY_ID = "1.2.840.113549.1.9.21";
    private static final String PBES2 = "1.2.840.113549.1.5.13";
    private static final String PBE = "PBEWithHmacSHA256AndAES_256";

    private Pkcs12() {
    }

    /** The DER of a PFX with {@code key} and {@code cert} under {@code alias}, the key shrouded with {@code password}. */
    static byte[] write(String alias, PrivateKey key, X509Certificate cert, char[] password)
        throws GeneralSecurityException, IOException {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        random.nextBytes(salt);
        random.nextBytes(iv);
        Cipher cipher = Cipher.getInstance(PBE);
        cipher.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(PBE).generateSecret(new PBEKeySpec(password)),
            new PBEParameterSpec(salt, 1, new IvParameterSpec(iv)));
        byte[] encrypted = cipher.doFinal(key.getEncoded());
        // EncryptedPrivateKeyInfo: PBES2 and its parameters (salt, iterations, PRF, AES IV) as the JDK encodes them.
        byte[] shrouded = Der.tlv(0x30, Der.tlv(0x30, Der.oid(PBES2), cipher.getParameters().getEncoded()),
            Der.tlv(0x04, encrypted));

        // Both bags carry the same localKeyId: that is how a reader pairs the key with its certificate.
        byte[] attributes = Der.tlv(0x31,
            Der.tlv(0x30, Der.oid(FRIENDLY_NAME), Der.tlv(0x31, Der.tlv(0x1e, alias.getBytes(StandardCharsets.UTF_16BE)))),
            Der.tlv(0x30, Der.oid(LOCAL_KEY_ID), Der.tlv(0x31, Der.tlv(0x04, new byte[] {1}))));
        byte[] keyBag = Der.tlv(0x30, Der.oid(SHROUDED_KEY_BAG), Der.tlv(0xa0, shrouded), attributes);
        byte[] certBag = Der.tlv(0x30, Der.oid(CERT_BAG),
            Der.tlv(0xa0, Der.tlv(0x30, Der.oid(X509_CERTIFICATE), Der.tlv(0xa0, Der.tlv(0x04, cert.getEncoded())))),
            attributes);
        byte[] authenticatedSafe = Der.tlv(0x30, data(Der.tlv(0x30, keyBag)), data(Der.tlv(0x30, certBag)));
        return Der.tlv(0x30, Der.tlv(0x02, new byte[] {3}), data(authenticatedSafe));
    }

    /** A ContentInfo of type data around {@code content}. */
    private static byte[] data(byte[] content) {
        return Der.tlv(0x30, Der.oid(DATA), Der.tlv(0xa0, Der.tlv(0x04, content)));
    }
}
