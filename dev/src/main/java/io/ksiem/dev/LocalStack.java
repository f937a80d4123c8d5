package io.ksiem.dev;

import io.ksiem.cli.AppConfig;
import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.CorrelateApp;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.ApicurioRegistry;
import io.ksiem.servers.Elasticsearch;
import io.ksiem.servers.KafkaCluster;
import io.ksiem.servers.MavenArtifacts;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything on this machine: a KRaft broker, Apicurio Registry and Elasticsearch with their data under one
 * directory, the directives pushed, and the three apps. A second start on the same directory resumes: topics,
 * offsets, schemas, alarms and backlog state are all there. With {@code external} settings no server starts: the
 * apps run against the servers those settings name.
 */
public final class LocalStack implements AutoCloseable {
  /** Where the data lives and which 127.0.0.1 ports the servers take. */
  public record Settings(Path dir, int kafkaPort, int controllerPort, int registryPort, int elasticsearchPort,
      int httpPort, int partitions, List<Path> directives, List<Path> assets) {
  }

  private final AppConfig external;
  private String bootstrapServers;
  private io.ksiem.runtime.KafkaClients clients;
  private String registryUrl;
  private String elasticsearchUrl;

  private final Settings settings;
  private final MeterRegistry meters = new SimpleMeterRegistry();
  private KafkaCluster kafka;
  private ApicurioRegistry registry;
  private Elasticsearch elasticsearch;
  private LocalPipeline pipeline;
  private Topics topics;

  private LocalStack(Settings settings, AppConfig external) {
    this.settings = settings;
    this.external = external;
  }

  /** Starts the servers and apps, telling {@code progress} about each long step. */
  public static LocalStack start(Settings s, PrintWriter progress) throws Exception {
    return start(s, null, progress);
  }

  /**
   * With {@code external} settings, starts only the apps, against those servers; the directives are pushed only
   * when {@code s} names some (a shared cluster's directives are someone's to manage).
   */
  static LocalStack start(Settings s, AppConfig external, PrintWriter progress) throws Exception {
    LocalStack stack = new LocalStack(s, external);
    try {
      if (external == null) {
        stack.startAll(progress);
      } else {
        stack.startApps(progress);
      }
    } catch (Exception | Error e) {
      stack.close();
      throw e;
    }
    return stack;
  }

  private void startAll(PrintWriter out) throws Exception {
    Path dir = Files.createDirectories(settings.dir().toAbsolutePath());
    Path servers = Files.createDirectories(dir.resolve("servers"));
    int[] shown = {-1};
    MavenArtifacts.Progress fetching = (what, done, total) -> {
      int tenth = total > 0 ? (int) (done * 10 / total) : 0;
      if (tenth != shown[0]) {
        shown[0] = tenth;
        out.printf("  fetching %s from Maven Central: %d%% of %d MB%n", what, tenth * 10, total >> 20);
        out.flush();
      }
    };
    step(out, "Kafka (KRaft) on 127.0.0.1:" + settings.kafkaPort());
    kafka = KafkaCluster.start(dir.resolve("kafka"), new int[] {settings.kafkaPort()},
        new int[] {settings.controllerPort()});
    step(out, "Apicurio Registry on 127.0.0.1:" + settings.registryPort());
    registry = ApicurioRegistry.start(servers, dir.resolve("registry"), settings.registryPort(), fetching);
    step(out, "Elasticsearch on 127.0.0.1:" + settings.elasticsearchPort());
    Path esBase = dir;
    if (!Elasticsearch.usableDirectory(dir)) {
      // under root Elasticsearch runs as uid 65534, which cannot reach a checkout under a private home
      esBase = Path.of("/var/tmp", "ksiem-" + Integer.toHexString(dir.toString().hashCode()));
      Files.createDirectories(esBase);
      out.println("  " + dir + " is not reachable by uid 65534 (Elasticsearch refuses root); its files go to "
          + esBase);
    }
    elasticsearch = Elasticsearch.start(Files.createDirectories(esBase.resolve("servers")),
        esBase.resolve("elasticsearch"), settings.elasticsearchPort(), fetching);
    StreamsApps.Common common = new StreamsApps.Common(kafka.bootstrapServers(), registry.url(), Topics.DEFAULT_PREFIX,
        Files.createDirectories(dir.resolve("state")).toString(), settings.partitions(), (short) 1, true);
    bootstrapServers = kafka.bootstrapServers();
    clients = common.kafka();
    registryUrl = registry.url();
    elasticsearchUrl = elasticsearch.url();
    topics = new Topics(common.topicPrefix(), new SchemaRegistryClient(registryUrl));
    push(out, common);
    step(out, "ingest, correlate and alarms apps");
    pipeline = new LocalPipeline(new LocalPipeline.Settings(common, elasticsearchUrl, settings.partitions(),
        CorrelateApp.Settings.IDLE, settings.httpPort(), true), meters);
    startPipeline(out);
  }

  private void startApps(PrintWriter out) throws Exception {
    StreamsApps.Common common = external.common();
    bootstrapServers = common.bootstrapServers();
    clients = common.kafka();
    registryUrl = common.registryUrl();
    elasticsearchUrl = external.get(AppConfig.Key.ELASTICSEARCH_URL);
    out.printf("using Kafka %s, schema registry %s, Elasticsearch %s%n", bootstrapServers, registryUrl,
        elasticsearchUrl);
    topics = new Topics(common.topicPrefix(), common.registry());
    if (settings.directives() != null) {
      push(out, common);
    }
    step(out, "ingest, correlate and alarms apps");
    pipeline = new LocalPipeline(external, meters);
    startPipeline(out);
  }

  private void push(PrintWriter out, StreamsApps.Common common) throws Exception {
    step(out, "directives and assets from " + settings.directives() + " " + settings.assets());
    DirectivePublisher.Result r = DirectivePublisher.push(bootstrapServers, topics, settings.directives(),
        settings.assets() == null ? List.of() : settings.assets(), ControlRecords.GroupBy.ID, 64,
        common.replication());
    r.problems().forEach(p -> out.println("  skipped: " + p));
    out.printf("  %d directives, %d assets (%d records written)%n", r.directives(), r.assets(), r.written());
  }

  private void startPipeline(PrintWriter out) throws Exception {
    pipeline.start();
    pipeline.awaitRunning(Duration.ofMinutes(2));
    int port = pipeline.ingest().httpPort();
    out.println(port > 0 ? "  running; POST /events on port " + port : "  running; POST /events off");
    out.flush();
  }

  private static void step(PrintWriter out, String what) {
    out.println("starting " + what + " ...");
    out.flush();
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** How the stack's clients reach Kafka: with `up --external`, the settings' client properties too. */
  public io.ksiem.runtime.KafkaClients kafka() {
    return clients;
  }

  public String registryUrl() {
    return registryUrl;
  }

  public String elasticsearchUrl() {
    return elasticsearchUrl;
  }

  public Topics topics() {
    return topics;
  }

  public LocalPipeline pipeline() {
    return pipeline;
  }

  public MeterRegistry meters() {
    return meters;
  }

  /** Apps first (they commit), then the servers. */
  @Override
  public void close() throws Exception {
    Exception first = null;
    for (AutoCloseable c : new AutoCloseable[] {pipeline, elasticsearch, registry, kafka}) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  static int checkPort(int port) throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return port;
    } catch (IOException e) {
      throw new IOException("127.0.0.1:" + port + " is taken (another `ksiem up`?); choose another port", e);
    }
  }
}
