package io.ksiem.cli;

import io.ksiem.alarms.AlarmsApp;
import io.ksiem.alarms.AlarmsSink;
import io.ksiem.correlate.CorrelateApp;
import io.ksiem.correlate.StreamsApps;
import io.ksiem.engine.EngineOptions;
import io.ksiem.ingest.IngestApp;
import io.ksiem.ingest.Normalizer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;

/** The three apps in this JVM against given servers: what `ksiem up` and the end-to-end tests run. */
public final class LocalPipeline implements AutoCloseable {
  private final IngestApp ingest;
  private final CorrelateApp correlate;
  private final AlarmsApp alarms;

  /** Where the apps connect and how they are set. */
  public record Settings(StreamsApps.Common common, String elasticsearchUrl, int routedPartitions, Duration idle,
      int httpPort, boolean writeEvents) {
  }

  public LocalPipeline(Settings s, MeterRegistry meters) throws Exception {
    StreamsApps.Common c = s.common();
    ingest = ingest(c, "127.0.0.1", s.httpPort(), meters);
    correlate = correlate(c, s.routedPartitions(), 1, 1, s.idle(), EngineOptions.defaults(), java.util.Map.of());
    alarms = alarms(c, s.elasticsearchUrl(), s.writeEvents(), 1000, meters);
  }

  /** The apps as `ksiem ingest|correlate|alarms` would run them with these settings. */
  LocalPipeline(AppConfig c, MeterRegistry meters) throws Exception {
    ingest = ingest(c, meters);
    correlate = correlate(c);
    alarms = alarms(c, meters);
  }

  // The apps as every command builds them: state under stateDir/<app>, ids from the topic prefix.

  static IngestApp ingest(StreamsApps.Common c, String httpHost, int httpPort, MeterRegistry meters)
      throws Exception {
    return ingest(c, IngestApp.builtInSources(), httpHost, httpPort, meters);
  }

  static IngestApp ingest(StreamsApps.Common c, List<Normalizer> sources, String httpHost, int httpPort,
      MeterRegistry meters) throws Exception {
    return new IngestApp(new IngestApp.Settings(c.forApp("ingest"), sources, httpHost, httpPort,
        StreamsApps.applicationId(c.topicPrefix(), "ingest")), meters);
  }

  static CorrelateApp correlate(StreamsApps.Common c, int routedPartitions, int standbys, int threads,
      Duration idle, EngineOptions options, java.util.Map<String, String> rackTags) throws Exception {
    return new CorrelateApp(new CorrelateApp.Settings(c.forApp("correlate"), routedPartitions, standbys, threads,
        idle, CorrelateApp.Settings.SILENCE, options,
        StreamsApps.applicationId(c.topicPrefix(), "correlate"), rackTags));
  }

  static AlarmsApp alarms(StreamsApps.Common c, String elasticsearchUrl, boolean writeEvents, int batchSize,
      MeterRegistry meters) throws Exception {
    return new AlarmsApp(c, new AlarmsSink.Settings(c.bootstrapServers(),
        StreamsApps.applicationId(c.topicPrefix(), "alarms"), elasticsearchUrl, writeEvents, batchSize), meters);
  }

  static IngestApp ingest(AppConfig c, MeterRegistry meters) throws Exception {
    return ingest(c.common(), c.sources(), c.get(AppConfig.Key.HTTP_HOST), c.integer(AppConfig.Key.HTTP_PORT),
        meters);
  }

  static CorrelateApp correlate(AppConfig c) throws Exception {
    return correlate(c.common(), c.integer(AppConfig.Key.ROUTED_PARTITIONS), c.integer(AppConfig.Key.STANDBY_REPLICAS),
        c.integer(AppConfig.Key.THREADS), Duration.ofSeconds(c.integer(AppConfig.Key.IDLE_SECONDS)),
        c.engineOptions(), c.rackTags());
  }

  static AlarmsApp alarms(AppConfig c, MeterRegistry meters) throws Exception {
    return alarms(c.common(), c.get(AppConfig.Key.ELASTICSEARCH_URL), c.bool(AppConfig.Key.WRITE_EVENTS),
        c.integer(AppConfig.Key.BATCH_SIZE), meters);
  }

  public void start() {
    ingest.start();
    correlate.start();
    alarms.start();
  }

  /** Waits until both Streams apps are running. */
  public void awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (KafkaStreams k : List.of(ingest.streams(), correlate.streams())) {
      while (k.state() != KafkaStreams.State.RUNNING) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("apps not running within " + timeout + ": " + k.state());
        }
        Thread.sleep(100);
      }
    }
  }

  public IngestApp ingest() {
    return ingest;
  }

  public CorrelateApp correlate() {
    return correlate;
  }

  public AlarmsApp alarms() {
    return alarms;
  }

  @Override
  public void close() throws Exception {
    ingest.close();
    correlate.close();
    alarms.close();
  }
}
