package org.nproxy.config;

import org.nproxy.spi.ConfigElement;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.nproxy.tls.KeyMaterial;
import org.nproxy.tls.Pem;
import org.nproxy.tls.SelfSigned;
import org.nproxy.tls.TlsMaterialException;

/** Reads {@code <tls>} and the TLS side of {@code <listen>}; loads and checks certificates. */
final class TlsParser {
    private static final List<String> KNOWN_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1");

    private TlsParser() {
    }

    static TlsConfig parse(org.nproxy.config.internal.XmlElement tls, Path base) {
        boolean pem = tls.has("cert") || tls.has("key");
        boolean p12 = tls.has("pkcs12");
        boolean selfSigned = tls.has("self-signed");
        int sources = (pem ? 1 : 0) + (p12 ? 1 : 0) + (selfSigned ? 1 : 0);
        KeyMaterial material = null;
        try {
            if (sources != 1) {
                tls.error(sources == 0 ? "<tls> names no certificate" : "<tls> names more than one certificate source",
                    "cert=\"etc/tls/site.crt\" key=\"etc/tls/site.key\", or pkcs12=\"etc/tls/site.p12\","
                        + " or self-signed=\"var/tls/self-signed.p12\"");
            } else if (pem) {
                String cert = tls.required("cert");
                String key = tls.required("key");
                String password = tls.string("key-password", "");
                if (!cert.isEmpty() && !key.isEmpty()) {
                    material = KeyMaterial.fromPem(base.resolve(cert).normalize(), base.resolve(key).normalize(),
                        password.toCharArray());
                }
            } else if (p12) {
                Path file = base.resolve(tls.required("pkcs12")).normalize();
                String password = tls.string("password", "");
                material = KeyMaterial.fromPkcs12(file, password.toCharArray(), tls.attribute("alias").orElse(null));
            } else {
                Path file = base.resolve(tls.required("self-signed")).normalize();
                SelfSigned.ensure(file);
                material = KeyMaterial.fromPkcs12(file, SelfSigned.PASSWORD.toCharArray(), null);
            }
        } catch (TlsMaterialException e) {
            String attr = pem ? (e.getMessage().contains(tls.string("key", "\0")) ? "key" : "cert")
                : p12 ? "pkcs12" : "self-signed";
            tls.attributeError(attr, e.getMessage(), "a readable, valid certificate and matching key");
        }

        List<String> protocols = words(tls.string("protocols", String.join(" ", TlsConfig.DEFAULT_PROTOCOLS)));
        for (String p : protocols) {
            if (!KNOWN_PROTOCOLS.contains(p)) {
                tls.attributeError("protocols", "unknown TLS protocol '" + p + "'", "TLSv1.3 and/or TLSv1.2");
            }
        }
        if (protocols.isEmpty()) {
            tls.attributeError("protocols", "no TLS protocol", "TLSv1.3 TLSv1.2");
        }
        List<String> ciphers = words(tls.string("ciphers", "").replace(':', ' ').replace(',', ' '));
        for (String c : ciphers) {
            if (!c.startsWith("TLS_")) {
                tls.attributeError("ciphers", "'" + c + "' is not a JSSE cipher suite name",
                    "names such as TLS_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (OpenSSL names are not understood)");
            }
        }
        TlsConfig.ClientAuth clientAuth = TlsConfig.ClientAuth.valueOf(
            tls.oneOf("client-auth", "none", List.of("none", "optional", "require")).toUpperCase(Locale.ROOT));
        List<java.security.cert.X509Certificate> cas = new ArrayList<>();
        if (tls.has("client-ca")) {
            try {
                cas.addAll(Pem.certificates(base.resolve(tls.required("client-ca")).normalize()));
            } catch (TlsMaterialException e) {
                tls.attributeError("client-ca", e.getMessage(), "a PEM file of CA certificates");
            }
        } else if (clientAuth != TlsConfig.ClientAuth.NONE) {
            tls.error("client-auth=\"" + clientAuth.name().toLowerCase(Locale.ROOT) + "\" needs client-ca",
                "client-ca=\"etc/tls/clients-ca.pem\"");
        }
        Duration hsts = tls.has("hsts") ? tls.duration("hsts", Duration.ofDays(365)) : null;
        boolean subdomains = tls.bool("hsts-subdomains", false);
        boolean redirect = tls.bool("redirect", false);
        tls.reportUnknown();
        if (material == null) {
            return null;
        }
        return new TlsConfig(material, protocols, ciphers, clientAuth, cas, hsts, subdomains, redirect, tls.origin());
    }

    /** The {@code <listen>} attributes: tls, protocols, limits. */
    static ListenConfig listen(ConfigElement l, String host, int port) {
        boolean tls = l.bool("tls", false);
        List<String> allowed = tls ? ListenConfig.TLS_PROTOCOLS : ListenConfig.CLEARTEXT_PROTOCOLS;
        String defaults = tls ? "h2 http/1.1" : "http/1.1";
        List<String> protocols = new ArrayList<>();
        for (String p : words(l.string("protocols", defaults).toLowerCase(Locale.ROOT))) {
            if (!allowed.contains(p)) {
                l.attributeError("protocols", "protocol '" + p + "' on a " + (tls ? "TLS" : "cleartext") + " listener",
                    "some of: " + String.join(" ", allowed) + (tls ? "" : " (h2 and h3 need tls=\"true\")"));
            } else if (!protocols.contains(p)) {
                protocols.add(p);
            }
        }
        if (protocols.isEmpty()) {
            l.attributeError("protocols", "no protocol", defaults);
            protocols.addAll(words(defaults));
        }
        if (protocols.equals(List.of("h3"))) {
            l.attributeError("protocols", "h3 alone: clients learn of h3 from a TCP response's Alt-Svc",
                "h3 h2 http/1.1");
        }
        return new ListenConfig(host, port, tls, protocols, ProtocolLimits.read(l), l.origin());
    }

    private static List<String> words(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }
}
