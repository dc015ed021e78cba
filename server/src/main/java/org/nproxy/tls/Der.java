package org.nproxy.tls;

import java.io.ByteArrayOutputStream;

/**
 * The little DER this package needs: wrap traditional (PKCS#1 RSA, SEC1 EC) keys into PKCS#8
 * so the JDK's {@code KeyFactory} reads them, and find the curve OID inside a SEC1 key.
 */
final class Der {
    static final byte[] OID_RSA = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    static final byte[] OID_EC = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    static final byte[] NULL = {0x05, 0x00};
    static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

    private Der() {
    }

    /** One TLV: tag, then the content's start and end offsets in the buffer. */
    record Tlv(int tag, int start, int end) {
    }

    static Tlv read(byte[] der, int offset) {
        if (offset + 2 > der.length) {
            throw new IllegalArgumentException("truncated DER");
        }
        int tag = der[offset] & 0xff;
        int len = der[offset + 1] & 0xff;
        int pos = offset + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            if (n == 0 || n > 4 || pos + n > der.length) {
                throw new IllegalArgumentException("bad DER length");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[pos++] & 0xff);
            }
        }
        if (len < 0 || (long) pos + len > der.length) { // long: a length near 2^31 overflowed (PemProperties)
            throw new IllegalArgumentException("truncated DER");
        }
        return new Tlv(tag, pos, pos + len);
    }

    static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        int len = content.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    /** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey. */
    static byte[] pkcs8FromPkcs1(byte[] pkcs1) {
        return tlv(0x30, VERSION_0, tlv(0x30, OID_RSA, NULL), tlv(0x04, pkcs1));
    }

    /** PKCS#8 PrivateKeyInfo around a SEC1 ECPrivateKey (its [0] parameters name the curve). */
    static byte[] pkcs8FromSec1(byte[] sec1) {
        Tlv seq = read(sec1, 0);
        int pos = seq.start();
        byte[] curve = null;
        while (pos < seq.end()) {
            Tlv t = read(sec1, pos);
            if (t.tag() == 0xa0) {
                Tlv oid = read(sec1, t.start());
                curve = java.util.Arrays.copyOfRange(sec1, t.start(), oid.end());
            }
            pos = t.end();
        }
        if (curve == null) {
            throw new IllegalArgumentException("EC key without curve parameters");
        }
        return tlv(0x30, VERSION_0, tlv(0x30, OID_EC, curve), tlv(0x04, sec1));
    }
}
