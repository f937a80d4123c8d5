package io.ksiem.runtime;

import io.ksiem.schemas.topic.Topic;
import io.ksiem.schemas.topic.Topics;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** What every ksiem Streams app shares: its Kafka Streams settings and the topics it needs. */
public final class StreamsApps {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StreamsApps.class);

  private StreamsApps() {
  }

  /** Common settings of the ksiem Streams apps. */
  public record Common(KafkaClients kafka, String registryUrl, io.ksiem.schemas.registry.RegistryAccess registryAccess,
      String topicPrefix, String stateDir, int partitions, short replication, boolean exactlyOnce) {
    /** Plain Kafka: the bootstrap servers alone. */
    public Common(String bootstrapServers, String registryUrl, String topicPrefix, String stateDir, int partitions,
        short replication, boolean exactlyOnce) {
      this(KafkaClients.of(bootstrapServers), registryUrl, topicPrefix, stateDir, partitions, replication,
          exactlyOnce);
    }

    /** An open registry. */
    public Common(KafkaClients kafka, String registryUrl, String topicPrefix, String stateDir, int partitions,
        short replication, boolean exactlyOnce) {
      this(kafka, registryUrl, io.ksiem.schemas.registry.RegistryAccess.NONE, topicPrefix, stateDir, partitions,
          replication, exactlyOnce);
    }

    /** A client of the registry, with the settings' credentials and trust. */
    public io.ksiem.schemas.registry.SchemaRegistryClient registry() {
      return new io.ksiem.schemas.registry.SchemaRegistryClient(registryUrl, registryAccess);
    }

    public String bootstrapServers() {
      return kafka.bootstrapServers();
    }

    /** The same settings with the state in {@code stateDir/app}, created: each app of a process keeps its own. */
    public Common forApp(App app) throws java.io.IOException {
      java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of(stateDir, app.shortName()));
      return new Common(kafka, registryUrl, registryAccess, topicPrefix, dir.toString(), partitions, replication,
          exactlyOnce);
    }
  }

  public static final int SESSION_TIMEOUT_MS = 6000;
  public static final int TRANSACTION_TIMEOUT_MS = 5000;

  /**
   * Exactly-once v2, internal topics replicated like the others, and a record that cannot be read, throws in a
   * processor or cannot be written goes to the dead-letter topic with the exception as its reason instead of
   * stopping the app ({@link DeadLetterHandlers}).
   */
  public static Properties properties(Common c, App app, String applicationId, Topics topics) {
    Properties p = new Properties();
    // the settings' Kafka client properties (security) go to every client Streams makes
    p.putAll(c.kafka().properties());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDir());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        c.exactlyOnce() ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) c.replication());
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, topics.deadLetter.name());
    p.put(DeadLetterHandlers.STAGE_CONFIG, app.shortName());
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandlers.Read.class);
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandlers.Processing.class);
    p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandlers.Output.class);
    // the global stores' processors (directives, assets) are handled too
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // A dead instance's tasks move once the group notices (the session) and its open transaction no longer holds
    // back read_committed readers (the transaction timeout). Kafka's 45 s and Streams' 10 s would make a takeover
    // take most of a minute; 6 s is the broker's lowest session by default.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), SESSION_TIMEOUT_MS / 4);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), TRANSACTION_TIMEOUT_MS);
    return p;
  }

  /**
   * What is left after the exception handlers ({@link DeadLetterHandlers}) is not about one record: a broken store,
   * a broker that refuses the app. The client stops with one line saying why, and its health turns 503, instead of
   * replacing the thread to fail on the same record again.
   */
  public static void stopOnFailure(org.apache.kafka.streams.KafkaStreams streams, App app) {
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("{} stopped: {}", app.shortName(), DeadLetterHandlers.describe(e));
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
          .SHUTDOWN_CLIENT;
    });
  }

  /** Creates the topics that are missing; compacted ones get one partition. */
  public static void createTopics(Common c, Collection<Topic<?, ?>> wanted) throws Exception {
    try (Admin admin = Admin.create(c.kafka().config())) {
      Topics.create(admin, wanted, c.partitions(), c.replication());
      // a new topic reaches every broker's metadata a moment later; until then a broker says it does not exist
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          admin.describeTopics(wanted.stream().map(Topic::name).toList()).allTopicNames().get(30, TimeUnit.SECONDS);
          for (String m : Topics.configMismatches(admin, wanted)) {
            LOG.warn(m);
          }
          return;
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
              || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
    }
  }

  /** The partitions a topic has now. */
  public static int partitionCount(Common c, String topic) throws Exception {
    try (Admin admin = Admin.create(c.kafka().config())) {
      return admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
          .partitions().size();
    }
  }

  /** Alive: running, rebalancing or starting; not failed, stopping or stopped (then restart it). */
  public static boolean isLive(org.apache.kafka.streams.KafkaStreams streams) {
    org.apache.kafka.streams.KafkaStreams.State st = streams.state();
    return st.isRunningOrRebalancing() || st == org.apache.kafka.streams.KafkaStreams.State.CREATED;
  }
}
