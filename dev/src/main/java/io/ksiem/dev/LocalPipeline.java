package io.ksiem.dev;

import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.cli.AppConfig;
import io.ksiem.cli.Apps;
import io.ksiem.correlate.CorrelateApp;
import io.ksiem.elasticsearch.AlarmsApp;
import io.ksiem.elasticsearch.ElasticsearchConnection;
import io.ksiem.elasticsearch.ElasticsearchSink;
import io.ksiem.ingest.IngestApp;
import io.ksiem.ingest.Normalizer;
import io.ksiem.runtime.AppMetrics;
import io.ksiem.runtime.StreamsApps;
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
  public record Settings(StreamsApps.Common common, ElasticsearchConnection elasticsearch, int routedPartitions,
      Duration idle, int httpPort, boolean writeEvents) {
    /** An open Elasticsearch (no TLS, no credentials) at {@code elasticsearchUrl}: what `ksiem up` starts. */
    public Settings(StreamsApps.Common common, String elasticsearchUrl, int routedPartitions, Duration idle,
        int httpPort, boolean writeEvents) {
      this(common, ElasticsearchConnection.to(elasticsearchUrl), routedPartitions, idle, httpPort, writeEvents);
    }
  }

  public LocalPipeline(Settings s, MeterRegistry meters) throws Exception {
    StreamsApps.Common c = s.common();
    ingest = Apps.ingest(c, "127.0.0.1", s.httpPort(), meters);
    correlate = Apps.correlate(c, s.routedPartitions(), 1, 1, s.idle(), CorrelateApp.Settings.MAX_WAIT,
        io.ksiem.event.TimeBounds.defaults(), CorrelationOptions.defaults(), java.util.Map.of(),
        io.ksiem.correlate.BoundedRocksDb.DEFAULT_MEMORY);
    alarms = Apps.alarms(c, s.elasticsearch(), s.writeEvents(), 1000, meters);
  }

  /** One registry per app, as three processes would have: what their {@code /metrics} show. */
  public record Metrics(AppMetrics ingest, AppMetrics correlate, AppMetrics alarms) implements AutoCloseable {
    public static Metrics create() {
      return new Metrics(new AppMetrics(), new AppMetrics(), new AppMetrics());
    }

    @Override
    public void close() {
      ingest.close();
      correlate.close();
      alarms.close();
    }
  }

  /** The apps with their meters and the operator's paths as `ksiem ingest|correlate|alarms` have them. */
  public LocalPipeline(Settings s, Metrics m) throws Exception {
    StreamsApps.Common c = s.common();
    ingest = Apps.ingest(c, "127.0.0.1", s.httpPort(), m.ingest().registry());
    correlate = Apps.correlate(c, s.routedPartitions(), 1, 1, s.idle(), CorrelateApp.Settings.MAX_WAIT,
        io.ksiem.event.TimeBounds.defaults(), CorrelationOptions.defaults(), java.util.Map.of(),
        io.ksiem.correlate.BoundedRocksDb.DEFAULT_MEMORY);
    alarms = Apps.alarms(c, s.elasticsearch(), s.writeEvents(), 1000, m.alarms().registry());
    ingest.bindTo(m.ingest());
    correlate.bindTo(m.correlate());
    alarms.bindTo(m.alarms());
  }

  /** The apps as `ksiem ingest|correlate|alarms` would run them with these settings. */
  LocalPipeline(AppConfig c, MeterRegistry meters) throws Exception {
    ingest = Apps.ingest(c, meters);
    correlate = Apps.correlate(c);
    alarms = Apps.alarms(c, meters);
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
