package io.ksiem.cli;

import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.correlate.CorrelateApp;
import io.ksiem.elasticsearch.AlarmsApp;
import io.ksiem.event.TimeBounds;
import io.ksiem.elasticsearch.ElasticsearchConnection;
import io.ksiem.elasticsearch.ElasticsearchSink;
import io.ksiem.ingest.IngestApp;
import io.ksiem.ingest.Normalizer;
import io.ksiem.runtime.App;
import io.ksiem.runtime.StreamsApps;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The apps as every command builds them, in one place: state under {@code stateDir/<app>}, ids from the topic
 * prefix ({@link App}). {@code ksiem ingest|correlate|alarms} build them from the settings; the local stack and the
 * tests from the servers they started.
 */
public final class Apps {
  private Apps() {
  }

  public static IngestApp ingest(StreamsApps.Common c, String httpHost, int httpPort, MeterRegistry meters)
      throws Exception {
    return ingest(c, IngestApp.builtInSources(), httpHost, httpPort, TimeBounds.defaults(), meters);
  }

  public static IngestApp ingest(StreamsApps.Common c, List<Normalizer> sources, String httpHost, int httpPort,
      TimeBounds bounds, MeterRegistry meters) throws Exception {
    return new IngestApp(new IngestApp.Settings(c.forApp(App.INGEST), sources, httpHost, httpPort,
        App.INGEST.id(c.topicPrefix()), bounds), meters);
  }

  public static CorrelateApp correlate(StreamsApps.Common c, int routedPartitions, int standbys, int threads,
      Duration idle, Duration maxWait, TimeBounds bounds, CorrelationOptions options, Map<String, String> rackTags,
      long rocksDbMemoryBytes) throws Exception {
    return new CorrelateApp(new CorrelateApp.Settings(c.forApp(App.CORRELATE), routedPartitions, standbys, threads,
        idle, maxWait, bounds, options, App.CORRELATE.id(c.topicPrefix()), rackTags, rocksDbMemoryBytes));
  }

  /** The alarms app writing to an open Elasticsearch (plain HTTP, no credentials) at {@code elasticsearchUrl}. */
  public static AlarmsApp alarms(StreamsApps.Common c, String elasticsearchUrl, boolean writeEvents, int batchSize,
      MeterRegistry meters) throws Exception {
    return alarms(c, ElasticsearchConnection.to(elasticsearchUrl), writeEvents, batchSize, meters);
  }

  public static AlarmsApp alarms(StreamsApps.Common c, ElasticsearchConnection elasticsearch, boolean writeEvents,
      int batchSize, MeterRegistry meters) throws Exception {
    return new AlarmsApp(c, new ElasticsearchSink.Settings(c.kafka(), App.ALARMS.id(c.topicPrefix()),
        elasticsearch, writeEvents, batchSize), meters);
  }

  public static IngestApp ingest(AppConfig c, MeterRegistry meters) throws Exception {
    StreamsApps.Common common = c.common();
    return new IngestApp(new IngestApp.Settings(common.forApp(App.INGEST), c.sources(),
        c.get(AppConfig.Key.HTTP_HOST), c.integer(AppConfig.Key.HTTP_PORT), App.INGEST.id(common.topicPrefix()),
        c.timeBounds(), c.intakeSettings()), meters);
  }

  public static CorrelateApp correlate(AppConfig c) throws Exception {
    return correlate(c.common(), c.integer(AppConfig.Key.ROUTED_PARTITIONS),
        c.integer(AppConfig.Key.STANDBY_REPLICAS), c.integer(AppConfig.Key.THREADS),
        Duration.ofSeconds(c.integer(AppConfig.Key.IDLE_SECONDS)),
        Duration.ofSeconds(c.integer(AppConfig.Key.MAX_WAIT_SECONDS)), c.timeBounds(), c.correlationOptions(),
        c.rackTags(), (long) c.integer(AppConfig.Key.ROCKSDB_MEMORY_MB) << 20);
  }

  public static AlarmsApp alarms(AppConfig c, MeterRegistry meters) throws Exception {
    return alarms(c.common(), c.elasticsearch(), c.bool(AppConfig.Key.WRITE_EVENTS),
        c.integer(AppConfig.Key.BATCH_SIZE), meters);
  }
}
