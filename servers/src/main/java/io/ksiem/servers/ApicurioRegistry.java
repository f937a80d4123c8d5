package io.ksiem.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * A real Apicurio Registry (Maven Central's distribution) as a child process on 127.0.0.1: in memory, or in an H2
 * file under a data directory so schemas (and their ids, which every record carries) survive a restart. ksiem speaks
 * to it only through the Confluent-compatible API at {@link #url()}.
 */
public final class ApicurioRegistry implements AutoCloseable {
  public static final String VERSION = "3.0.9";

  private final Process process;
  private final String url;

  private ApicurioRegistry(Process process, String url) {
    this.process = process;
    this.url = url;
  }

  /** Fetches (once) and unpacks the distribution under {@code serversDir}, then starts it in memory on {@code port}. */
  public static ApicurioRegistry start(Path serversDir, int port, MavenArtifacts.Progress progress)
      throws IOException, InterruptedException {
    return start(serversDir, null, port, progress);
  }

  /** As {@link #start(Path, int, MavenArtifacts.Progress)}, storing in {@code dataDir} when it is not null. */
  public static ApicurioRegistry start(Path serversDir, Path dataDir, int port, MavenArtifacts.Progress progress)
      throws IOException, InterruptedException {
    Path archive = MavenArtifacts.fetch("io.apicurio", "apicurio-registry-app", VERSION, "all", "tar.gz", progress);
    Path dir = serversDir.resolve("apicurio-" + VERSION);
    if (!Files.isDirectory(dir.resolve("lib"))) {
      Path tmp = Files.createDirectories(serversDir.resolve("apicurio-" + VERSION + ".unpacking"));
      Processes.run("tar", "xzf", archive.toString(), "-C", tmp.toString());
      Files.move(tmp, dir);
    }
    Path jar;
    try (Stream<Path> s = Files.list(dir)) {
      jar = s.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
          .orElseThrow(() -> new IOException("no Apicurio runner jar in " + dir));
    }
    Path log = (dataDir != null ? Files.createDirectories(dataDir) : serversDir).resolve("apicurio-" + port + ".log");
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(Processes.java(), "-Xmx384m",
        "-XX:TieredStopAtLevel=1", "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1"));
    if (dataDir != null) {
      cmd.add("-Dapicurio.datasource.url=jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("registry"));
    }
    cmd.addAll(java.util.List.of("-jar", jar.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
    String url = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    Processes.awaitHttp(p, "Apicurio Registry", url + "/subjects", Duration.ofSeconds(90), log);
    return new ApicurioRegistry(p, url);
  }

  /** Base URL of the Confluent Schema Registry API. */
  public String url() {
    return url;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
