package io.ksiem.servers;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real Elasticsearch (Maven Central's integ-test distribution) as a child process on 127.0.0.1: single node,
 * 256 MB heap; either open (security off, plain HTTP) or secured ({@link #startSecured}: security on, TLS on HTTP
 * with a CA of its own, file-realm users). Elasticsearch refuses to run as root, so as root it runs as uid 65534
 * with data, logs and config of its own in directories that uid owns; every parent must be traversable by it.
 */
public final class Elasticsearch implements AutoCloseable {
  public static final String VERSION = "8.19.21";
  private static final String NOBODY = "65534";
  /** The file-realm superuser of a secured server: for fixtures that read and clean up. */
  public static final String ADMIN = "admin";
  /** The file-realm user of a secured server that has only {@link #SINK_ROLE}: what the alarms sink runs as. */
  public static final String SINK_USER = "ksiem_alarms";
  /**
   * The least role of the alarms sink (docs/security.md): install its index templates; read the stored alarms it
   * merges with (a multi-get); write (the bulk API's index and create) and auto-create its three indices. Nothing
   * else: no delete, no explicit index creation, no other index.
   */
  public static final String SINK_ROLE = String.join("\n",
      "ksiem_alarms_sink:",
      "  cluster: [ manage_index_templates ]",
      "  indices:",
      "    - names: [ 'siem_alarms' ]",
      "      privileges: [ read, index, auto_configure ]",
      "    - names: [ 'siem_alarm_events-*', 'siem_events-*' ]",
      "      privileges: [ index, auto_configure ]",
      "");

  /** A file-realm user; {@link #toString()} leaves the password out. */
  public record User(String name, String password) {
    /** The value of an {@code Authorization} header for HTTP basic authentication as this user. */
    public String basicAuthorization() {
      return "Basic " + Base64.getEncoder().encodeToString((name + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "User[" + name + ", password redacted]";
    }
  }

  /** What a secured server's clients need: the CA that signed its HTTP certificate, and its users. */
  private record Security(Path caCertificate, String caFingerprint, User admin, User sink) {
  }

  /**
   * The servers this JVM started and has not closed, by URL: so that a fixture given only a URL (as the tests'
   * helpers are) finds the CA and the users that go with it.
   */
  private static final java.util.concurrent.ConcurrentMap<String, Elasticsearch> RUNNING =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Process process;
  private final String url;
  private final Security security;

  private Elasticsearch(Process process, String url, Security security) {
    this.process = process;
    this.url = url;
    this.security = security;
  }

  /**
   * Starts an open Elasticsearch (security off, plain HTTP) with its data under {@code dataDir} (kept across
   * starts) on {@code port}. The distribution is unpacked under {@code serversDir}.
   */
  public static Elasticsearch start(Path serversDir, Path dataDir, int port, MavenArtifacts.Progress progress)
      throws IOException, InterruptedException {
    return start(serversDir, dataDir, port, progress, false);
  }

  /**
   * Starts a secured Elasticsearch as {@link #start} does: security on, HTTPS with a certificate for 127.0.0.1 and
   * localhost signed by a CA of its own ({@link #caCertificate()}), and two file-realm users, {@link #admin()} (a
   * superuser) and {@link #sinkUser()} (only {@link #SINK_ROLE}). CA, certificate and passwords are made at the
   * first start under {@code dataDir} and kept: a restart on the same directory has the same ones.
   */
  public static Elasticsearch startSecured(Path serversDir, Path dataDir, int port,
      MavenArtifacts.Progress progress) throws IOException, InterruptedException {
    return start(serversDir, dataDir, port, progress, true);
  }

  private static Elasticsearch start(Path serversDir, Path dataDir, int port, MavenArtifacts.Progress progress,
      boolean secured) throws IOException, InterruptedException {
    Path zip = MavenArtifacts.fetch("org.elasticsearch.distribution.integ-test-zip", "elasticsearch", VERSION, null,
        "zip", progress);
    Path home = serversDir.resolve("elasticsearch-" + VERSION);
    if (!Files.isDirectory(home.resolve("lib"))) {
      Path tmp = Files.createDirectories(serversDir.resolve("elasticsearch-" + VERSION + ".unpacking"));
      Processes.run("unzip", "-q", "-o", zip.toString(), "-d", tmp.toString());
      Files.move(tmp.resolve("elasticsearch-" + VERSION), home);
      Files.delete(tmp);
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    Path config = dataDir.resolve("config");
    Files.createDirectories(dataDir.resolve("data"));
    Files.createDirectories(dataDir.resolve("logs"));
    if (!Files.isDirectory(config)) {
      Processes.run("cp", "-r", home.resolve("config").toString(), config.toString());
    }
    List<String> yml = new ArrayList<>(List.of(
        "cluster.name: ksiem",
        "node.name: ksiem-1",
        "network.host: 127.0.0.1",
        "http.port: " + port,
        "transport.port: " + KafkaCluster.freePort(),
        "discovery.type: single-node",
        "path.data: " + dataDir.resolve("data"),
        "path.logs: " + dataDir.resolve("logs"),
        "action.destructive_requires_name: false",
        "cluster.routing.allocation.disk.threshold_enabled: false"));
    Security security = null;
    if (secured) {
      security = secure(home, dataDir, config);
      yml.addAll(List.of(
          "xpack.security.enabled: true",
          // loopback, single node: the transport layer stays plain (no bootstrap check asks for TLS there)
          "xpack.security.http.ssl.enabled: true",
          "xpack.security.http.ssl.key: certs/http/http.key",
          "xpack.security.http.ssl.certificate: certs/http-chain.crt",
          "xpack.security.http.ssl.certificate_authorities: [ certs/ca/ca.crt ]",
          // the file realm only: the native realm needs the security index, which needs a module this
          // distribution lacks (analysis-common)
          "xpack.security.authc.realms.file.file1.order: 0"));
    } else {
      yml.add("xpack.security.enabled: false");
    }
    yml.add("");
    Files.writeString(config.resolve("elasticsearch.yml"), String.join("\n", yml));
    if (root) {
      Processes.run("chown", "-R", NOBODY + ":" + NOBODY, dataDir.toString());
      if (!usableDirectory(dataDir)) {
        throw new IOException(dataDir + " is not traversable by uid " + NOBODY
            + ", which Elasticsearch runs as under root; choose a data directory whose parents are (chmod o+x)");
      }
    }
    List<String> cmd = new ArrayList<>();
    if (root) {
      cmd.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
    }
    cmd.add(home.resolve("bin").resolve("elasticsearch").toString());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    toolEnvironment(pb, config);
    pb.environment().put("ES_JAVA_OPTS", "-Xms256m -Xmx256m");
    Path log = dataDir.resolve("console.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
    String url = (secured ? "https" : "http") + "://127.0.0.1:" + port;
    Elasticsearch es = new Elasticsearch(p, url, security);
    Processes.awaitHttp(p, "Elasticsearch", es.adminClient(Duration.ofSeconds(2)),
        es.adminRequest("/_cluster/health?wait_for_status=yellow&timeout=1s").timeout(Duration.ofSeconds(5)).build(),
        Duration.ofSeconds(180), log);
    RUNNING.put(url, es);
    return es;
  }

  private static void toolEnvironment(ProcessBuilder pb, Path config) {
    pb.environment().put("ES_JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("ES_PATH_CONF", config.toString());
    pb.environment().remove("JAVA_TOOL_OPTIONS");
  }

  /**
   * At the first secured start: a CA and an HTTP certificate made by the distribution's certutil (PEM, under
   * {@code config/certs}; the CA's key is deleted once it signed), the sink's role in roles.yml and the two users
   * with random passwords, kept in {@code dataDir/users.properties}. Later starts read them back.
   */
  private static Security secure(Path home, Path dataDir, Path config) throws IOException, InterruptedException {
    Path certs = config.resolve("certs");
    Path passwords = dataDir.resolve("users.properties");
    Path toolLog = dataDir.resolve("tools.log");
    if (!Files.exists(passwords)) {
      Files.createDirectories(certs);
      tool(home, config, toolLog, "elasticsearch-certutil", "ca", "--pem", "--silent", "--days", "3650",
          "--ca-dn", "CN=ksiem test CA", "--out", certs.resolve("ca.zip").toString());
      Processes.run("unzip", "-q", "-o", certs.resolve("ca.zip").toString(), "-d", certs.toString());
      tool(home, config, toolLog, "elasticsearch-certutil", "cert", "--pem", "--silent", "--days", "3650",
          "--ca-cert", certs.resolve("ca/ca.crt").toString(), "--ca-key", certs.resolve("ca/ca.key").toString(),
          "--ip", "127.0.0.1", "--dns", "localhost", "--name", "http", "--out", certs.resolve("http.zip").toString());
      Processes.run("unzip", "-q", "-o", certs.resolve("http.zip").toString(), "-d", certs.toString());
      Files.delete(certs.resolve("ca/ca.key"));
      // the chain, CA last, as Elasticsearch's own auto-configuration serves it: a client that pins the CA's
      // fingerprint finds the CA in the handshake
      Files.writeString(certs.resolve("http-chain.crt"), Files.readString(certs.resolve("http/http.crt"))
          + Files.readString(certs.resolve("ca/ca.crt")));
      Files.writeString(config.resolve("roles.yml"), SINK_ROLE);
      User admin = new User(ADMIN, password());
      User sink = new User(SINK_USER, password());
      tool(home, config, toolLog, "elasticsearch-users", "useradd", admin.name(), "-p", admin.password(), "-r",
          "superuser");
      tool(home, config, toolLog, "elasticsearch-users", "useradd", sink.name(), "-p", sink.password(), "-r",
          "ksiem_alarms_sink");
      Properties p = new Properties();
      p.setProperty(admin.name(), admin.password());
      p.setProperty(sink.name(), sink.password());
      try (var out = Files.newBufferedWriter(passwords)) {
        p.store(out, "file-realm users of this Elasticsearch");
      }
    }
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(passwords)) {
      p.load(in);
    }
    Path ca = certs.resolve("ca/ca.crt");
    return new Security(ca, fingerprint(ca), new User(ADMIN, p.getProperty(ADMIN)),
        new User(SINK_USER, p.getProperty(SINK_USER)));
  }

  /** Runs a tool of bin/; output goes to {@code log}, and a failure names the tool only: arguments hold passwords. */
  private static void tool(Path home, Path config, Path log, String tool, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(home.resolve("bin").resolve(tool).toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    toolEnvironment(pb, config);
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Process p = pb.start();
    if (p.waitFor() != 0) {
      throw new IOException(tool + " " + args[0] + " exited with " + p.exitValue() + "; see " + log);
    }
  }

  private static String password() {
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** SHA-256 of the certificate's DER encoding, lower-case hex: what Elasticsearch prints at its first start. */
  private static String fingerprint(Path pem) throws IOException {
    try (InputStream in = Files.newInputStream(pem)) {
      Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IOException(pem + ": not a certificate", e);
    }
  }

  /**
   * Whether Elasticsearch can use a directory here: always when not root; under root, it runs as uid 65534, which
   * must be able to traverse every parent.
   */
  public static boolean usableDirectory(Path dir) throws IOException {
    if (!"root".equals(System.getProperty("user.name"))) {
      return true;
    }
    for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p) && !Files.getPosixFilePermissions(p)
          .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
        return false;
      }
    }
    return true;
  }

  /** The base URL: {@code https://127.0.0.1:<port>} when secured, else {@code http://}. */
  public String url() {
    return url;
  }

  public boolean secured() {
    return security != null;
  }

  /** PEM file of the CA that signed the HTTP certificate (secured only). */
  public Path caCertificate() {
    return security().caCertificate();
  }

  /** SHA-256 fingerprint of that CA certificate, lower-case hex (secured only). */
  public String caFingerprint() {
    return security().caFingerprint();
  }

  /** The superuser (secured only): for fixtures that read back, and clean up. */
  public User admin() {
    return security().admin();
  }

  /** The user with the alarms sink's least role, {@link #SINK_ROLE} (secured only). */
  public User sinkUser() {
    return security().sink();
  }

  /** An SSLContext that trusts this server's CA (secured), or the JVM's default. */
  public SSLContext sslContext() {
    try {
      if (security == null) {
        return SSLContext.getDefault();
      }
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (InputStream in = Files.newInputStream(security.caCertificate())) {
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return ssl;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot trust " + security.caCertificate(), e);
    }
  }

  /** A JDK HTTP client that trusts this server (what fixtures read it with). */
  public HttpClient adminClient(Duration connectTimeout) {
    return HttpClient.newBuilder().connectTimeout(connectTimeout).sslContext(sslContext()).build();
  }

  /** A request to {@code path} of this server, as the admin when secured. */
  public HttpRequest.Builder adminRequest(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path));
    return security == null ? b : b.header("Authorization", security.admin().basicAuthorization());
  }

  private Security security() {
    if (security == null) {
      throw new IllegalStateException("this Elasticsearch is not secured");
    }
    return security;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public String toString() {
    return "Elasticsearch[" + url + (security == null ? ", open" : ", secured") + "]";
  }

  /** The server this JVM started at {@code url} and has not closed, if any. */
  public static java.util.Optional<Elasticsearch> runningAt(String url) {
    return java.util.Optional.ofNullable(RUNNING.get(url));
  }

  /** Stops Elasticsearch (SIGTERM) and waits for it. */
  @Override
  public void close() throws InterruptedException {
    RUNNING.remove(url, this);
    process.destroy();
    process.waitFor();
  }
}
