package io.ksiem.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Elasticsearch (Maven Central's integ-test distribution) as a child process on 127.0.0.1: single node,
 * security off, 256 MB heap. Elasticsearch refuses to run as root, so as root it runs as uid 65534 with data, logs
 * and config of its own in directories that uid owns; every parent must be traversable by it.
 */
public final class Elasticsearch implements AutoCloseable {
  public static final String VERSION = "8.19.21";
  private static final String NOBODY = "65534";

  private final Process process;
  private final String url;
  private Elasticsearch(Process process, String url) {
    this.process = process;
    this.url = url;
  }

  /**
   * Starts Elasticsearch with its data under {@code dataDir} (kept across starts) on {@code port}. The
   * distribution is unpacked under {@code serversDir}.
   */
  public static Elasticsearch start(Path serversDir, Path dataDir, int port, MavenArtifacts.Progress progress)
      throws IOException, InterruptedException {
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
    Files.writeString(config.resolve("elasticsearch.yml"), String.join("\n",
        "cluster.name: ksiem",
        "node.name: ksiem-1",
        "network.host: 127.0.0.1",
        "http.port: " + port,
        "transport.port: " + KafkaCluster.freePort(),
        "discovery.type: single-node",
        "xpack.security.enabled: false",
        "path.data: " + dataDir.resolve("data"),
        "path.logs: " + dataDir.resolve("logs"),
        "action.destructive_requires_name: false",
        "cluster.routing.allocation.disk.threshold_enabled: false",
        ""));
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
    pb.environment().put("ES_JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("ES_PATH_CONF", config.toString());
    pb.environment().put("ES_JAVA_OPTS", "-Xms256m -Xmx256m");
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    Path log = dataDir.resolve("console.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
    String url = "http://127.0.0.1:" + port;
    Processes.awaitHttp(p, "Elasticsearch", url + "/_cluster/health?wait_for_status=yellow&timeout=1s",
        Duration.ofSeconds(180), log);
    return new Elasticsearch(p, url);
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

  public String url() {
    return url;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Stops Elasticsearch (SIGTERM) and waits for it. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
