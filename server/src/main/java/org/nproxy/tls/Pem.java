package org.nproxy.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Reads PEM files as CAs and Let's Encrypt hand them out, with the JDK's own APIs only.
 * <ul>
 *   <li>certificates: one or more {@code CERTIFICATE} blocks (leaf first, then the chain);</li>
 *   <li>keys: {@code PRIVATE KEY} (PKCS#8: RSA, EC, Ed25519, Ed448), {@code RSA PRIVATE KEY} (PKCS#1),
 *       {@code EC PRIVATE KEY} (SEC1, an {@code EC PARAMETERS} block before it is skipped) and
 *       {@code ENCRYPTED PRIVATE KEY} (PKCS#8 with PBES2, e.g. {@code openssl pkcs8 -topk8 -v2 aes-256-cbc}).</li>
 * </ul>
 * OpenSSL's legacy encrypted PKCS#1 ({@code Proc-Type: 4,ENCRYPTED}) is refused with the command
 * that converts it; a key of any other algorithm (DSA, X25519, ...) is refused with its name and
 * OID. Every error message starts with the file's path.
 */
public final class Pem {
    private Pem() {
    }

    /** One {@code -----BEGIN type-----} block. */
    record Block(String type, boolean legacyEncrypted, byte[] der) {
    }

    /** Every certificate in the file, in file order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws TlsMaterialException {
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
        for (Block b : blocks(file)) {
            if (!b.type().equals("CERTIFICATE") && !b.type().equals("TRUSTED CERTIFICATE")) {
                continue;
            }
            try {
                Certificate c = factory.generateCertificate(new ByteArrayInputStream(b.der()));
                out.add((X509Certificate) c);
            } catch (CertificateException e) {
                throw new TlsMaterialException(file + ": certificate #" + (out.size() + 1) + " is not valid X.509: "
                    + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new TlsMaterialException(file + ": no '-----BEGIN CERTIFICATE-----' block found");
        }
        return out;
    }

    /**
     * The private key in the file.
     *
     * @param password for an {@code ENCRYPTED PRIVATE KEY}; null or empty when the key is plain
     */
    public static PrivateKey privateKey(Path file, char[] password) throws TlsMaterialException {
        for (Block b : blocks(file)) {
            switch (b.type()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(file, b.der());
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
                    if (b.legacyEncrypted()) {
                        throw new TlsMaterialException(file + ": OpenSSL's legacy encrypted key format is not supported;"
                            + " convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in " + file.getFileName()
                            + " -out key.pem");
                    }
                    try {
                        byte[] der = b.type().startsWith("RSA") ? Der.pkcs8FromPkcs1(b.der()) : Der.pkcs8FromSec1(b.der());
                        return pkcs8(file, der);
                    } catch (IllegalArgumentException e) {
                        throw new TlsMaterialException(file + ": malformed " + b.type() + ": " + e.getMessage(), e);
                    }
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    return encrypted(file, b.der(), password);
                }
                default -> {
                    // certificates or parameters next to the key: skip
                }
            }
        }
        throw new TlsMaterialException(file + ": no private key block found (expected '-----BEGIN PRIVATE KEY-----',"
            + " 'RSA PRIVATE KEY', 'EC PRIVATE KEY' or 'ENCRYPTED PRIVATE KEY')");
    }

    private static PrivateKey encrypted(Path file, byte[] der, char[] password) throws TlsMaterialException {
        if (password == null || password.length == 0) {
            throw new TlsMaterialException(file + ": the key is encrypted but no password is configured"
                + " (set key-password on <tls>)");
        }
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(der);
        } catch (IOException e) {
            throw new TlsMaterialException(file + ": malformed ENCRYPTED PRIVATE KEY: " + e.getMessage(), e);
        }
        PKCS8EncodedKeySpec spec;
        try {
            // For PBES2 the JDK names the whole scheme, e.g. PBEWithHmacSHA256AndAES_256.
            String algorithm = info.getAlgParameters() != null ? info.getAlgParameters().toString() : info.getAlgName();
            if (algorithm == null || algorithm.isBlank() || algorithm.contains(" ")) {
                algorithm = info.getAlgName();
            }
            SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
            Key secret = factory.generateSecret(new PBEKeySpec(password));
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, secret, info.getAlgParameters());
            spec = info.getKeySpec(cipher);
        } catch (InvalidKeySpecException e) {
            throw new TlsMaterialException(file + ": wrong key password (the decrypted key is not valid)", e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(file + ": cannot decrypt the key (wrong password or unsupported scheme "
                + info.getAlgName() + "): " + e.getMessage(), e);
        }
        return pkcs8(file, spec.getEncoded());
    }

    private static PrivateKey pkcs8(Path file, byte[] der) throws TlsMaterialException {
        String algorithm = algorithmOf(file, der);
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(file + ": cannot read the " + algorithm + " private key: " + e.getMessage(), e);
        }
    }

    /** The key algorithms a certificate of ours may have, by PKCS#8 AlgorithmIdentifier OID. */
    private static final Map<String, String> SUPPORTED = Map.of(
        "1.2.840.113549.1.1.1", "RSA",
        "1.2.840.10045.2.1", "EC",
        "1.3.101.112", "Ed25519",
        "1.3.101.113", "Ed448");
    /** Known to exist, not usable here: named in the error so the operator knows what they have. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
        "1.2.840.10040.4.1", "DSA",
        "1.2.840.113549.1.1.10", "RSASSA-PSS",
        "1.3.101.110", "X25519 (key agreement only, it cannot sign)",
        "1.3.101.111", "X448 (key agreement only, it cannot sign)",
        "1.2.840.113549.1.3.1", "DH (key agreement only, it cannot sign)",
        "1.2.643.7.1.1.1.1", "GOST R 34.10-2012",
        "1.2.156.10197.1.301", "SM2");

    /** RSA, EC, Ed25519 or Ed448 from the PKCS#8 AlgorithmIdentifier; anything else is named and refused. */
    private static String algorithmOf(Path file, byte[] der) throws TlsMaterialException {
        String oid;
        try {
            Der.Tlv seq = Der.read(der, 0);
            Der.Tlv version = Der.read(der, seq.start());
            Der.Tlv algId = Der.read(der, version.end());
            oid = Der.oid(der, Der.read(der, algId.start()));
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new TlsMaterialException(file + ": malformed PKCS#8 private key (no algorithm identifier): "
                + e.getMessage(), e);
        }
        String algorithm = SUPPORTED.get(oid);
        if (algorithm == null) {
            String name = UNSUPPORTED.getOrDefault(oid, "unknown algorithm");
            throw new TlsMaterialException(file + ": unsupported private key algorithm " + name + " (OID " + oid
                + "); supported: RSA, EC (P-256, P-384, P-521), Ed25519, Ed448");
        }
        return algorithm;
    }

    static List<Block> blocks(Path file) throws TlsMaterialException {
        Objects.requireNonNull(file, "file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new TlsMaterialException(file + ": file not found");
        } catch (IOException e) {
            throw new TlsMaterialException(file + ": cannot read: " + e, e);
        }
        List<Block> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", pos);
            if (begin < 0) {
                break;
            }
            int typeEnd = text.indexOf("-----", begin + 11);
            if (typeEnd < 0) {
                throw new TlsMaterialException(file + ": broken PEM header at offset " + begin);
            }
            String type = text.substring(begin + 11, typeEnd);
            String endMarker = "-----END " + type + "-----";
            int end = text.indexOf(endMarker, typeEnd);
            if (end < 0) {
                throw new TlsMaterialException(file + ": '-----BEGIN " + type + "-----' has no matching '" + endMarker + "'");
            }
            String body = text.substring(typeEnd + 5, end);
            boolean legacy = body.contains("Proc-Type:") && body.contains("ENCRYPTED");
            StringBuilder base64 = new StringBuilder();
            for (String line : body.split("\\R")) {
                if (!line.contains(":")) {
                    base64.append(line.trim());
                }
            }
            byte[] der;
            try {
                der = legacy ? new byte[0] : Base64.getDecoder().decode(base64.toString());
            } catch (IllegalArgumentException e) {
                throw new TlsMaterialException(file + ": bad base64 in the " + type + " block: " + e.getMessage(), e);
            }
            out.add(new Block(type, legacy, der));
            pos = end + endMarker.length();
        }
        if (out.isEmpty()) {
            throw new TlsMaterialException(file + ": not a PEM file (no '-----BEGIN ...-----' line)");
        }
        return out;
    }
}
