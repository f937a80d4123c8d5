package io.ksiem.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A test certificate authority made with the JDK's {@code keytool}: the CA, a truststore holding it, and PKCS12
 * keystores of certificates it signed, one per name ({@code CN=<name>}), valid for 127.0.0.1 and localhost. Keys
 * are EC P-256, quick to make. Every store has the same random password, {@link #password()}.
 */
public final class Certificates {
  private final Path dir;
  private final String password = UUID.randomUUID().toString();
  private final Path ca;
  private final Path caPem;
  private final Path truststore;

  private Certificates(Path dir) {
    this.dir = dir;
    this.ca = dir.resolve("ca.p12");
    this.caPem = dir.resolve("ca.pem");
    this.truststore = dir.resolve("truststore.p12");
  }

  /** A new CA under {@code dir}. */
  public static Certificates create(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Certificates c = new Certificates(dir);
    c.keytool("-genkeypair", "-alias", "ca", "-dname", "CN=ksiem-test-ca", "-ext", "bc:c", "-keyalg", "EC",
        "-groupname", "secp256r1", "-validity", "7", "-keystore", c.ca.toString(), "-storetype", "PKCS12");
    c.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", c.ca.toString(), "-file", c.caPem.toString());
    c.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", c.caPem.toString(), "-keystore",
        c.truststore.toString(), "-storetype", "PKCS12");
    return c;
  }

  public String password() {
    return password;
  }

  public Path truststore() {
    return truststore;
  }

  /**
   * A keystore {@code <name>.p12} with a key and a certificate {@code CN=<name>} signed by the CA (and the CA's, so
   * the chain is complete), made on first call.
   */
  public synchronized Path keystore(String name) throws IOException, InterruptedException {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("certificate name: letters, digits, . _ - only: " + name);
    }
    Path ks = dir.resolve(name + ".p12");
    if (Files.exists(ks)) {
      return ks;
    }
    Path csr = dir.resolve(name + ".csr");
    Path pem = dir.resolve(name + ".pem");
    Path tmp = dir.resolve(name + ".p12.tmp");
    keytool("-genkeypair", "-alias", name, "-dname", "CN=" + name, "-keyalg", "EC", "-groupname", "secp256r1",
        "-validity", "7", "-keystore", tmp.toString(), "-storetype", "PKCS12");
    keytool("-certreq", "-alias", name, "-keystore", tmp.toString(), "-file", csr.toString());
    keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-infile", csr.toString(), "-outfile",
        pem.toString(), "-validity", "7", "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-ext", "KU=digitalSignature",
        "-ext", "EKU=serverAuth,clientAuth");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", tmp.toString());
    keytool("-importcert", "-noprompt", "-alias", name, "-file", pem.toString(), "-keystore", tmp.toString());
    Files.move(tmp, ks);
    return ks;
  }

  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    // from the environment, not the command line other users can read; a PKCS12 key takes the store's password
    cmd.addAll(List.of("-storepass:env", "KSIEM_STOREPASS"));
    // stdin from /dev/null: a question keytool asks gets end-of-file and fails, rather than waiting forever
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("KSIEM_STOREPASS", password);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("keytool " + args[0] + " did not finish within 60 s: " + out);
    }
    if (p.exitValue() != 0) {
      throw new IOException("keytool " + args[0] + " failed: " + out);
    }
  }
}
