package org.nproxy.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with the {@code openssl} command (Debian's openssl package) the way
 * operators make theirs: a test CA, leaves signed by it with SANs, keys in every PEM flavour.
 *
 * <pre>{@code
 * TestCerts certs = new TestCerts(dir);
 * certs.leaf("a.test", "rsa");   // dir/a.test.crt (leaf + CA), dir/a.test.key (PKCS#8)
 * }</pre>
 */
public final class TestCerts {
    private final Path dir;

    public TestCerts(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        if (!Files.exists(dir.resolve("ca.crt"))) {
            openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=Nproxy Test CA");
        }
    }

    public Path dir() {
        return dir;
    }

    /**
     * A leaf for {@code name} (CN and SAN) signed by the CA; {@code type} is {@code rsa} or
     * {@code ec}. Writes {@code name.crt} (leaf then CA) and {@code name.key} (PKCS#8).
     */
    public Path leaf(String name, String type) throws IOException {
        if (type.equals("rsa")) {
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
        } else {
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        }
        openssl("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=DNS:" + name + "\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "365", "-extfile", name + ".ext", "-out", name + ".leaf");
        Files.writeString(dir.resolve(name + ".crt"),
            Files.readString(dir.resolve(name + ".leaf")) + Files.readString(dir.resolve("ca.crt")));
        return dir.resolve(name + ".crt");
    }

    /** {@code name.pkcs1.key}: traditional RSA ("BEGIN RSA PRIVATE KEY"). */
    public Path pkcs1(String name) throws IOException {
        openssl("rsa", "-in", name + ".key", "-traditional", "-out", name + ".pkcs1.key");
        return dir.resolve(name + ".pkcs1.key");
    }

    /** {@code name.sec1.key}: traditional EC ("BEGIN EC PARAMETERS" + "BEGIN EC PRIVATE KEY"). */
    public Path sec1(String name) throws IOException {
        openssl("ecparam", "-name", "prime256v1", "-out", name + ".params");
        openssl("ec", "-in", name + ".key", "-out", name + ".sec1");
        Path out = dir.resolve(name + ".sec1.key");
        Files.writeString(out, Files.readString(dir.resolve(name + ".params")) + Files.readString(dir.resolve(name + ".sec1")));
        return out;
    }

    /** {@code name.enc.key}: PKCS#8 encrypted with PBES2/AES-256 under {@code password}. */
    public Path encrypted(String name, String password) throws IOException {
        openssl("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", name + ".key", "-passout", "pass:" + password,
            "-out", name + ".enc.key");
        return dir.resolve(name + ".enc.key");
    }

    /** {@code name.p12}: key and chain as PKCS#12 under {@code password}. */
    public Path pkcs12(String name, String password) throws IOException {
        openssl("pkcs12", "-export", "-in", name + ".crt", "-inkey", name + ".key", "-passout", "pass:" + password,
            "-out", name + ".p12");
        return dir.resolve(name + ".p12");
    }

    /** {@code expired.crt} + {@code expired.key}: valid for one day in 2001 (made with keytool's -startdate). */
    public void expired() throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        run(List.of(keytool.toString(), "-genkeypair", "-noprompt", "-alias", "old", "-keyalg", "EC",
            "-groupname", "secp256r1", "-startdate", "2001/01/01 00:00:00", "-validity", "1", "-dname", "CN=expired.test",
            "-storetype", "PKCS12", "-keystore", "expired.p12", "-storepass", "secret"));
        openssl("pkcs12", "-in", "expired.p12", "-passin", "pass:secret", "-nokeys", "-out", "expired.crt");
        openssl("pkcs12", "-in", "expired.p12", "-passin", "pass:secret", "-nocerts", "-nodes", "-out", "expired.key");
    }

    public void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        run(command);
    }

    private void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
