package org.nproxy.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A private key with its certificate chain (leaf first), checked: the key matches the leaf
 * certificate and the leaf is valid now. Immutable.
 *
 * <pre>{@code
 * KeyMaterial m = KeyMaterial.fromPem(Path.of("etc/tls/site.crt"), Path.of("etc/tls/site.key"), null);
 * }</pre>
 *
 * @param source where it came from, for messages ({@code cert.pem + key.pem} or {@code site.p12})
 */
public record KeyMaterial(PrivateKey key, List<X509Certificate> chain, String source) {
    public KeyMaterial {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** Reads a PEM chain and PEM key, then {@link #validate(Path)}s the pair. */
    public static KeyMaterial fromPem(Path certFile, Path keyFile, char[] keyPassword) throws TlsMaterialException {
        List<X509Certificate> chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile, keyPassword);
        KeyMaterial material = new KeyMaterial(key, chain, certFile + " + " + keyFile);
        material.validate(keyFile);
        return material;
    }

    /** Reads the first key entry of a PKCS#12 file (or the entry named {@code alias}). */
    public static KeyMaterial fromPkcs12(Path file, char[] password, String alias) throws TlsMaterialException {
        KeyStore store;
        try (InputStream in = Files.newInputStream(file)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (NoSuchFileException e) {
            throw new TlsMaterialException(file + ": file not found");
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw new TlsMaterialException(file + ": wrong PKCS#12 password", e);
            }
            throw new TlsMaterialException(file + ": cannot read PKCS#12: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(file + ": cannot read PKCS#12: " + e.getMessage(), e);
        }
        try {
            List<String> aliases = alias != null ? List.of(alias) : Collections.list(store.aliases());
            for (String a : aliases) {
                if (store.isKeyEntry(a)) {
                    PrivateKey key = (PrivateKey) store.getKey(a, password);
                    Certificate[] certs = store.getCertificateChain(a);
                    List<X509Certificate> chain = new ArrayList<>();
                    for (Certificate c : certs == null ? new Certificate[0] : certs) {
                        chain.add((X509Certificate) c);
                    }
                    if (chain.isEmpty()) {
                        throw new TlsMaterialException(file + ": key entry '" + a + "' has no certificate");
                    }
                    KeyMaterial material = new KeyMaterial(key, chain, file.toString());
                    material.validate(file);
                    return material;
                }
            }
        } catch (UnrecoverableKeyException e) {
            throw new TlsMaterialException(file + ": wrong password for the key entry", e);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(file + ": cannot read the key entry: " + e.getMessage(), e);
        }
        throw new TlsMaterialException(file + ": no private key entry" + (alias != null ? " named '" + alias + "'" : ""));
    }

    /**
     * Checks that the key belongs to the leaf certificate (a signature made with the key verifies
     * with the certificate's public key) and that the leaf is valid now.
     *
     * @param keyFile named in the mismatch message
     */
    public void validate(Path keyFile) throws TlsMaterialException {
        X509Certificate leaf = leaf();
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (!leaf.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            throw new TlsMaterialException(keyFile + ": the private key (" + key.getAlgorithm()
                + ") does not match the certificate " + subject(leaf) + " (" + leaf.getPublicKey().getAlgorithm() + " key)");
        }
        if (algorithm != null) {
            try {
                byte[] probe = new byte[32];
                new SecureRandom().nextBytes(probe);
                Signature signer = Signature.getInstance(algorithm);
                signer.initSign(key);
                signer.update(probe);
                byte[] signature = signer.sign();
                Signature verifier = Signature.getInstance(algorithm);
                verifier.initVerify(leaf.getPublicKey());
                verifier.update(probe);
                if (!verifier.verify(signature)) {
                    throw new TlsMaterialException(keyFile + ": the private key does not match the certificate "
                        + subject(leaf) + " (was the key of another certificate given?)");
                }
            } catch (GeneralSecurityException e) {
                throw new TlsMaterialException(keyFile + ": the private key does not match the certificate "
                    + subject(leaf) + ": " + e.getMessage(), e);
            }
        }
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new TlsMaterialException(source + ": the certificate " + subject(leaf) + " expired on "
                + leaf.getNotAfter().toInstant() + " (now " + Instant.now() + ")", e);
        } catch (CertificateNotYetValidException e) {
            throw new TlsMaterialException(source + ": the certificate " + subject(leaf) + " is not valid before "
                + leaf.getNotBefore().toInstant(), e);
        }
    }

    /** True when both hold the same key and chain (reload: nothing to swap). */
    public boolean sameAs(KeyMaterial other) {
        return other != null && sameKey(key, other.key) && chain.equals(other.chain);
    }

    /** Same private value; encodings differ by optional fields (SEC1 with or without public key). */
    private static boolean sameKey(PrivateKey a, PrivateKey b) {
        if (a instanceof java.security.interfaces.ECPrivateKey x && b instanceof java.security.interfaces.ECPrivateKey y) {
            return x.getS().equals(y.getS()) && x.getParams().getCurve().equals(y.getParams().getCurve());
        }
        if (a instanceof java.security.interfaces.RSAPrivateKey x && b instanceof java.security.interfaces.RSAPrivateKey y) {
            return x.getModulus().equals(y.getModulus()) && x.getPrivateExponent().equals(y.getPrivateExponent());
        }
        return Arrays.equals(a.getEncoded(), b.getEncoded());
    }

    private static String subject(X509Certificate c) {
        return "'" + c.getSubjectX500Principal().getName() + "'";
    }
}
