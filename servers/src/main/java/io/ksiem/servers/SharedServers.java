package io.ksiem.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * One real broker, registry and Elasticsearch per JVM, started on first use and stopped when the JVM exits: what
 * tests and benchmarks share. Distributions unpack under {@code ksiem.servers.dir} (default
 * {@code target/servers}); data goes to fresh temporary directories. Elasticsearch is the secured one
 * ({@link Elasticsearch#startSecured}), as an Elasticsearch 8 is by default.
 */
public final class SharedServers {
  private static KafkaCluster kafka;
  private static ApicurioRegistry registry;
  private static Elasticsearch elasticsearch;

  private SharedServers() {
  }

  public static Path serversDir() {
    try {
      return Files.createDirectories(Path.of(System.getProperty("ksiem.servers.dir", "target/servers"))
          .toAbsolutePath());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static synchronized KafkaCluster kafka() throws Exception {
    if (kafka == null) {
      kafka = KafkaCluster.startSingle(Files.createTempDirectory("ksiem-kafka"));
      KafkaCluster k = kafka;
      Runtime.getRuntime().addShutdownHook(new Thread(k::close));
    }
    return kafka;
  }

  /** The Confluent-compatible API URL of the shared registry. */
  public static synchronized String registryUrl() throws IOException, InterruptedException {
    if (registry == null) {
      registry = ApicurioRegistry.start(serversDir(), KafkaCluster.freePort(), MavenArtifacts.Progress.NONE);
    }
    return registry.url();
  }

  /** The shared secured Elasticsearch: the sink writes as {@link Elasticsearch#sinkUser()}, fixtures read as admin. */
  public static synchronized Elasticsearch elasticsearch() throws IOException, InterruptedException {
    if (elasticsearch == null) {
      Path data = Files.createTempDirectory("ksiem-es");
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
      elasticsearch = Elasticsearch.startSecured(serversDir(), data, KafkaCluster.freePort(),
          MavenArtifacts.Progress.NONE);
    }
    return elasticsearch;
  }
}
