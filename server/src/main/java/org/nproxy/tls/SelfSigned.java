package org.nproxy.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the self-signed certificate of the bundled configuration (CN=localhost, SAN localhost,
 * 127.0.0.1, ::1; EC P-256; 10 years) as a PKCS#12 file, with the running JDK's {@code keytool}.
 * Nothing happens when the file already exists, so it is generated once, at first start.
 */
public final class SelfSigned {
    /** Password of the generated PKCS#12 file (it protects nothing: the file is local state). */
    public static final String PASSWORD = "nproxy-self-signed";

    private SelfSigned() {
    }

    public static void ensure(Path p12) throws TlsMaterialException {
        if (Files.isRegularFile(p12)) {
            return;
        }
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        try {
            Files.createDirectories(p12.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(p12.toAbsolutePath().getParent(), ".self-signed", ".p12");
            Files.delete(tmp); // keytool refuses to write into an existing empty file
            Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-noprompt",
                "-alias", "nproxy", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650",
                "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1,ip:::1",
                "-storetype", "PKCS12", "-keystore", tmp.toString(), "-storepass", PASSWORD))
                .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                Files.deleteIfExists(tmp);
                throw new TlsMaterialException(p12 + ": keytool could not generate the self-signed certificate: "
                    + output.trim());
            }
            Files.move(tmp, p12, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TlsMaterialException(p12 + ": cannot generate the self-signed certificate with " + keytool
                + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TlsMaterialException(p12 + ": interrupted while generating the self-signed certificate", e);
        }
    }
}
