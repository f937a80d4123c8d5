package io.ksiem.correlate;

import io.ksiem.engine.EngineOptions;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** Runs the correlate topology: standby replicas and exactly-once on by default. */
public final class CorrelateApp implements AutoCloseable {
  public static final String APPLICATION_ID = "ksiem-correlate";

  /**
   * Settings beyond the common ones. {@code routedPartitions} is the partition count of the topic that carries
   * events to their directive groups, the most correlation tasks (and so instances) that can share the work.
   */
  public record Settings(StreamsApps.Common common, int routedPartitions, int standbyReplicas, int threads,
      Duration idle, Duration silence, EngineOptions engine, String applicationId) {
    public static final Duration IDLE = Duration.ofSeconds(10);
    public static final Duration SILENCE = Duration.ofSeconds(10);

    public Settings(StreamsApps.Common common) {
      this(common, common.partitions(), 1, 1, IDLE, SILENCE, EngineOptions.defaults(), APPLICATION_ID);
    }
  }

  private final KafkaStreams streams;
  private final Topology topology;
  private final CorrelateStats stats = new CorrelateStats();

  public CorrelateApp(Settings s) throws Exception {
    Topics topics = new Topics(s.common().topicPrefix(), new SchemaRegistryClient(s.common().registryUrl()));
    StreamsApps.createTopics(s.common(), List.of(topics.events, topics.directives, topics.assets, topics.alarms,
        topics.alarmEvents, topics.deadLetter));
    topics.registerSchemas();
    topology = CorrelateTopology.build(topics, new Catalog(s.routedPartitions()),
        new CorrelateTopology.Options(s.routedPartitions(), StreamsApps.partitionCount(s.common(),
            topics.events.name()), s.engine(), s.idle(), s.silence(), stats));
    Properties p = StreamsApps.properties(s.common(), s.applicationId(), topics);
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, s.standbyReplicas());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, s.threads());
    streams = new KafkaStreams(topology, p);
  }

  public Topology topology() {
    return topology;
  }

  public CorrelateStats stats() {
    return stats;
  }

  public KafkaStreams streams() {
    return streams;
  }

  public void start() {
    streams.start();
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
  }
}
