package org.nproxy.tls;

import java.io.ByteArrayOutputStream;

/**
 * The little DER this package needs: wrap traditional (PKCS#1 RSA, SEC1 EC) keys into PKCS#8
 * so the JDK's {@code KeyFactory} reads them, find the curve OID inside a SEC1 key, name the
 * algorithm OID of a key, and write the fields of a self-signed certificate ({@link SelfSigned}).
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

    /** The dotted form ({@code 1.2.840.113549.1.1.1}) of an OBJECT IDENTIFIER's content. */
    static String oid(byte[] der, Tlv oid) {
        if (oid.tag() != 0x06 || oid.start() == oid.end()) {
            throw new IllegalArgumentException("not an OBJECT IDENTIFIER");
        }
        StringBuilder out = new StringBuilder();
        long arc = 0;
        boolean first = true;
        for (int i = oid.start(); i < oid.end(); i++) {
            if (arc > Long.MAX_VALUE >> 7) {
                throw new IllegalArgumentException("OBJECT IDENTIFIER arc too large");
            }
            arc = (arc << 7) | (der[i] & 0x7f);
            if ((der[i] & 0x80) != 0) {
                continue;
            }
            if (first) {
                // The first encoded number packs the first two arcs: 40 * a + b (a <= 2).
                int a = (int) Math.min(arc / 40, 2);
                out.append(a).append('.').append(arc - 40L * a);
                first = false;
            } else {
                out.append('.').append(arc);
            }
            arc = 0;
        }
        if ((der[oid.end() - 1] & 0x80) != 0) {
            throw new IllegalArgumentException("truncated OBJECT IDENTIFIER");
        }
        return out.toString();
    }

    /** An OBJECT IDENTIFIER TLV from its dotted form, e.g. {@code oid("2.5.29.17")}. */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        base128(content, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            base128(content, Long.parseLong(arcs[i]));
        }
        return tlv(0x06, content.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long value) {
        int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(value) + 6) / 7);
        for (int g = groups - 1; g >= 0; g--) {
            out.write((int) ((value >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
        }
    }

    /** An INTEGER TLV of a non-negative value given as big-endian magnitude bytes. */
    static byte[] unsignedInteger(byte[] magnitude) {
        int skip = 0;
        while (skip < magnitude.length - 1 && magnitude[skip] == 0) {
            skip++;
        }
        byte[] trimmed = java.util.Arrays.copyOfRange(magnitude, skip, magnitude.length);
        // A set top bit would read as negative: DER puts a zero byte in front.
        return (trimmed[0] & 0x80) != 0 ? tlv(0x02, new byte[] {0}, trimmed) : tlv(0x02, trimmed);
    }

    /** X.509's Time: UTCTime for 1950 to 2049, GeneralizedTime otherwise (RFC 5280, 4.1.2.5), to the second. */
    static byte[] time(java.time.Instant instant) {
        java.time.ZonedDateTime t = instant.atZone(java.time.ZoneOffset.UTC);
        boolean utc = t.getYear() >= 1950 && t.getYear() < 2050;
        String text = java.time.format.DateTimeFormatter.ofPattern(utc ? "yyMMddHHmmss'Z'" : "yyyyMMddHHmmss'Z'")
            .format(t);
        return tlv(utc ? 0x17 : 0x18, text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
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
