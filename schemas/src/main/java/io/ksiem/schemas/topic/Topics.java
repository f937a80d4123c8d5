package io.ksiem.schemas.topic;

import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.registry.AvroSerde;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of the pipeline, with its key and value serdes: the one place where names and formats are declared.
 * Names carry a prefix ({@code ksiem.} by default) so several pipelines can share a cluster. Raw topics are per
 * source: {@code <prefix>raw.<source>}.
 */
public final class Topics {
  public static final String DEFAULT_PREFIX = "ksiem.";
  /** Reason and origin of a dead letter, in record headers. */
  public static final String HEADER_REASON = "ksiem.error.reason";
  public static final String HEADER_SOURCE_TOPIC = "ksiem.error.topic";
  public static final String HEADER_SOURCE_PARTITION = "ksiem.error.partition";
  public static final String HEADER_SOURCE_OFFSET = "ksiem.error.offset";
  public static final String HEADER_STAGE = "ksiem.error.stage";
  /** On a dead letter whose value was cut to fit the topic: the value's original length in bytes. */
  public static final String HEADER_TRUNCATED = "ksiem.error.truncated";

  /**
   * An idleness declaration on the events topic: a record with this key prefix, then {@code <source>/<raw
   * partition>} (the feeder that declares), a null value, and the number of feeders of the events partition in
   * {@link #HEADER_FEEDERS}. Ingest writes one while a raw partition has nothing unread (docs/time-model.md).
   */
  public static final String IDLE_KEY_PREFIX = "\u0000idle/";
  /**
   * On idleness declarations, and on every event ingest writes: how many feeders the events partition has, so a
   * router that has just started waits for each of them (docs/time-model.md).
   */
  public static final String HEADER_FEEDERS = "ksiem.idle.feeders";
  /**
   * On every event ingest writes: the feeder ({@code <source>/<raw partition>}) that wrote it, so the router can
   * keep each feeder's progress apart.
   */
  public static final String HEADER_FEEDER = "ksiem.feeder";
  /**
   * On the router's clock records: when the broker appended the record that moved the partition on (epoch ms,
   * decimal). On its idle records: when the oldest of the declarations that made the partition idle was appended. A
   * task lets a declared-idle partition with no event yet be passed by the others only up to what was appended
   * before its declaration (docs/time-model.md).
   */
  public static final String HEADER_APPENDED = "ksiem.appended";
  /** How late a late event was (seconds behind its task's clock), the clock, the task and its directive groups. */
  public static final String HEADER_LATE_SECONDS = "ksiem.late.seconds";
  public static final String HEADER_LATE_CLOCK = "ksiem.late.clock";
  public static final String HEADER_LATE_TASK = "ksiem.late.task";
  public static final String HEADER_LATE_GROUPS = "ksiem.late.groups";

  /** Whether an events-topic key is an idleness declaration rather than an event id. */
  public static boolean isIdleDeclaration(String key) {
    return key != null && key.startsWith(IDLE_KEY_PREFIX);
  }

  /** Adds the dead-letter headers: why, at which stage, and where the record was read. */
  public static void deadLetterHeaders(org.apache.kafka.common.header.Headers h, String reason, String stage,
      String topic, int partition, long offset) {
    h.add(HEADER_REASON, reason.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    h.add(HEADER_STAGE, stage.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    h.add(HEADER_SOURCE_TOPIC, topic.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    h.add(HEADER_SOURCE_PARTITION, Integer.toString(partition).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    h.add(HEADER_SOURCE_OFFSET, Long.toString(offset).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  // Retention counts from when the broker appended a record, not from its event time: a replay of last year's
  // logs would otherwise be deleted before it is read.
  private static final Map<String, String> WEEK = Map.of("cleanup.policy", "delete", "retention.ms", "604800000",
      "message.timestamp.type", "LogAppendTime");
  private static final Map<String, String> MONTH = Map.of("cleanup.policy", "delete", "retention.ms", "2592000000",
      "message.timestamp.type", "LogAppendTime");
  private static final Map<String, String> COMPACT = Map.of("cleanup.policy", "compact");
  /**
   * Raw records as a week, and up to 1 MiB + 64 KiB each: POST /events takes a 1 MiB body, and Kafka's record
   * overhead would push one over the broker's default limit of about 1 MB.
   */
  private static final Map<String, String> RAW = Map.of("cleanup.policy", "delete", "retention.ms", "604800000",
      "message.timestamp.type", "LogAppendTime", "max.message.bytes", "1114112");

  private final String prefix;
  private final SchemaRegistryClient registry;

  public final Topic<String, NormalizedEvent> events;
  public final Topic<byte[], byte[]> deadLetter;
  public final Topic<String, String> directives;
  public final Topic<String, String> assets;
  public final Topic<String, Alarm> alarms;
  public final Topic<String, AlarmEvent> alarmEvents;
  public final Topic<String, String> status;
  public final Topic<String, NormalizedEvent> lateEvents;

  public Topics(String prefix, SchemaRegistryClient registry) {
    this.prefix = prefix;
    this.registry = registry;
    String ev = prefix + "events";
    events = new Topic<>(ev, Serdes.String(), new AvroSerde<>(registry, ev, NormalizedEvent.getClassSchema()),
        "event_id (string)", "NormalizedEvent (Avro, registry)", WEEK,
        "normalized events, from ingest to correlate (and optionally to the siem_events index)");
    deadLetter = new Topic<>(prefix + "dead-letter", Serdes.ByteArray(), Serdes.ByteArray(),
        "the input record's key (bytes)", "the input record's value, unchanged (bytes); headers "
            + HEADER_REASON + ", " + HEADER_SOURCE_TOPIC + ", " + HEADER_SOURCE_PARTITION + ", "
            + HEADER_SOURCE_OFFSET + ", " + HEADER_STAGE, MONTH,
        "input that could not be normalized or read, with the reason");
    directives = new Topic<>(prefix + "directives", Serdes.String(), Serdes.String(), "directive id (string)",
        "validated directive, JSON: {\"group\", \"file\", \"directive\", \"previous\"}; a tombstone removes it", COMPACT,
        "the directive set, published by `ksiem directives push`");
    assets = new Topic<>(prefix + "assets", Serdes.String(), Serdes.String(), "asset CIDR (string)",
        "asset, JSON as in dsiem's assets_*.json; a tombstone removes it", COMPACT,
        "the asset set, published by `ksiem directives push`");
    String al = prefix + "alarms";
    alarms = new Topic<>(al, Serdes.String(), new AvroSerde<>(registry, al, Alarm.getClassSchema()),
        "alarm_id (string)", "Alarm snapshot (Avro, registry)", MONTH, "alarm snapshots, to siem_alarms");
    String ae = prefix + "alarm-events";
    alarmEvents = new Topic<>(ae, Serdes.String(), new AvroSerde<>(registry, ae, AlarmEvent.getClassSchema()),
        "alarm_id (string)", "AlarmEvent link (Avro, registry)", MONTH,
        "alarm-event links, to siem_alarm_events-YYYY.MM.DD");
    status = new Topic<>(prefix + "status", Serdes.String(), Serdes.String(), "app/instance (string)",
        "JSON: the instance's state, active and standby tasks, standby lag, update time; a tombstone when it stops",
        COMPACT, "each correlate instance's tasks every 2 s, for `ksiem status`");
    // the events' own schema (and subject): a late event is an event, and can be read or replayed as one
    lateEvents = new Topic<>(prefix + "late-events", Serdes.String(), events.valueSerde(), "event_id (string)",
        "the late NormalizedEvent (Avro, registry, the events topic's schema); headers " + HEADER_LATE_SECONDS + ", "
            + HEADER_LATE_CLOCK + ", " + HEADER_LATE_TASK + ", " + HEADER_LATE_GROUPS, MONTH,
        "events that reached a correlation task after its clock had passed them, with how late (still correlated)");
  }

  public Topics(SchemaRegistryClient registry) {
    this(DEFAULT_PREFIX, registry);
  }

  public String prefix() {
    return prefix;
  }

  public SchemaRegistryClient registry() {
    return registry;
  }

  /** What every raw topic's name starts with: {@code ksiem.raw.} by default. */
  public String rawPrefix() {
    return prefix + "raw.";
  }

  /** The raw topic of one log source, such as {@code ksiem.raw.suricata}: bytes in, as the shipper wrote them. */
  public Topic<byte[], byte[]> raw(String source) {
    return new Topic<>(rawPrefix() + source, Serdes.ByteArray(), Serdes.ByteArray(),
        "as the shipper wrote it (ignored)", "one log record as the shipper wrote it (bytes, usually JSON)", RAW,
        "raw " + source + " records, from shippers to ingest");
  }

  /** The topics every deployment has (raw topics aside). */
  public List<Topic<?, ?>> all() {
    return List.of(events, deadLetter, directives, assets, alarms, alarmEvents, status, lateEvents);
  }

  /** Registers the value schemas (setting BACKWARD) so an incompatible schema stops an app at start. */
  public void registerSchemas() throws IOException {
    for (Topic<?, ?> t : all()) {
      Serde<?> s = t.valueSerde();
      if (s instanceof AvroSerde<?> avro) {
        avro.register();
      }
    }
  }

  /** Creates the topics that do not exist yet. */
  public static void create(Admin admin, Collection<Topic<?, ?>> topics, int partitions, short replication)
      throws InterruptedException, ExecutionException {
    Set<String> existing = admin.listTopics().names().get();
    List<NewTopic> missing = new ArrayList<>();
    for (Topic<?, ?> t : topics) {
      if (!existing.contains(t.name())) {
        // the control topics are small: one partition keeps their order
        int p = t.cleanupPolicy().equals("compact") ? 1 : partitions;
        missing.add(new NewTopic(t.name(), p, replication).configs(t.config()));
      }
    }
    try {
      admin.createTopics(missing).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  // the settings whose value decides whether records survive until read, as opposed to how long they are kept
  private static final List<String> CHECKED = List.of("cleanup.policy", "message.timestamp.type");

  /**
   * What differs, in existing topics, from the settings ksiem needs: a topic created by other tooling with
   * CreateTime, for one, deletes a replay of old events as soon as the broker next checks retention.
   */
  public static List<String> configMismatches(Admin admin, Collection<Topic<?, ?>> topics)
      throws InterruptedException, ExecutionException {
    Set<String> existing = admin.listTopics().names().get();
    Map<ConfigResource, Topic<?, ?>> wanted = new java.util.LinkedHashMap<>();
    for (Topic<?, ?> t : topics) {
      if (existing.contains(t.name())) {
        wanted.put(new ConfigResource(ConfigResource.Type.TOPIC, t.name()), t);
      }
    }
    List<String> out = new ArrayList<>();
    Map<ConfigResource, Config> actual = admin.describeConfigs(wanted.keySet()).all().get();
    wanted.forEach((r, t) -> {
      for (String key : CHECKED) {
        String want = t.config().get(key);
        ConfigEntry got = actual.get(r).get(key);
        if (want != null && (got == null || !want.equals(got.value()))) {
          out.add("topic " + t.name() + " has " + key + "=" + (got == null ? "(unset)" : got.value())
              + ", ksiem needs " + want + (key.equals("message.timestamp.type")
                  ? ": records carry their event's time, so events older than the retention are deleted before"
                      + " they are read"
                  : "") + "; fix with kafka-configs.sh --alter --entity-type topics --entity-name " + t.name()
              + " --add-config " + key + "=" + want);
        }
      }
    });
    return out;
  }

  public static String names(Collection<Topic<?, ?>> topics) {
    return topics.stream().map(Topic::name).collect(Collectors.joining(", "));
  }
}
