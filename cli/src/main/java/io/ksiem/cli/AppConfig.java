package io.ksiem.cli;

import io.ksiem.runtime.StreamsApps;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Settings of a ksiem app: a properties file, overridden by environment variables (12-factor), over defaults.
 * {@code bootstrap.servers} is read from {@code KSIEM_BOOTSTRAP_SERVERS}, and so on. Every key is listed in
 * {@link Key} and documented in docs/settings.md.
 */
public final class AppConfig {
  /** Every setting, its default (null: required) and what it is. */
  public enum Key {
    BOOTSTRAP_SERVERS("bootstrap.servers", "127.0.0.1:9092", "Kafka"),
    REGISTRY_URL("registry.url", "http://127.0.0.1:8081/apis/ccompat/v7",
        "Confluent Schema Registry API base URL (Confluent, Apicurio ccompat, Karapace, Redpanda)"),
    TOPIC_PREFIX("topic.prefix", "ksiem.", "prefix of every topic; app ids derive from it"),
    STATE_DIR("state.dir", ".ksiem/state", "Kafka Streams state (RocksDB) directory"),
    PARTITIONS("partitions", "4", "partitions of topics the app creates"),
    REPLICATION_FACTOR("replication.factor", "1", "replication of topics the app creates, internal ones included"),
    EXACTLY_ONCE("exactly.once", "true", "exactly_once_v2 (false: at least once)"),
    HTTP_PORT("http.port", "8080", "ingest: port of POST /events and GET /health; correlate, alarms: port of GET "
        + "/health (200 up, 503 down) (-1: off)"),
    HTTP_HOST("http.host", "0.0.0.0", "address of the HTTP port"),
    MAPPINGS("mappings", "", "ingest: mapping files or directories, comma-separated, added to the built-in "
        + "sources (docs/ingest-mappings.md); one for an existing source replaces it"),
    ROUTED_PARTITIONS("routed.partitions", "4", "correlate: partitions of the routed topic, the most instances"),
    STANDBY_REPLICAS("standby.replicas", "1", "correlate: warm copies of each partition's state"),
    THREADS("threads", "1", "correlate: stream threads"),
    RACK_TAGS("rack.tags", "", "correlate: this instance's place, comma-separated `key=value` (for example "
        + "`zone=eu-1a,node=n7`; at most 5; empty values are left out, values over 30 characters shortened with a "
        + "hash); a standby goes to an instance whose values differ from the active's"),
    IDLE_SECONDS("idle.seconds", "10", "correlate: quiet time after which an events partition that ingest declared "
        + "idle moves the clock with the wall clock (docs/time-model.md)"),
    MAX_WAIT_SECONDS("max.wait.seconds", "300", "correlate: how long an events partition that neither sends nor is "
        + "declared idle holds the clock back before it is passed over; far longer than a failover "
        + "(docs/time-model.md)"),
    MAX_FUTURE_SECONDS("max.future.seconds", "300", "ingest, correlate: an event more than this ahead of the wall "
        + "clock (or before 1970) is a dead letter (422 at POST /events) and moves no clock"),
    ROCKSDB_MEMORY_MB("rocksdb.memory.mb", "128", "correlate: memory (MiB) all RocksDB stores of an instance share: "
        + "block cache, index and filter blocks, memtables (docs/limits.md)"),
    MAX_BACKLOGS_PER_DIRECTIVE("max.backlogs.per.directive", "10000", "correlate: live backlogs one directive may "
        + "have; an event that would start another is refused and counted (docs/limits.md)"),
    MAX_ADDRESSES_PER_LIST("max.addresses.per.list", "1000", "correlate: distinct addresses a backlog keeps in "
        + "src_ips, and in dst_ips; more are left out and counted (docs/limits.md)"),
    MAX_CUSTOM_DATA_PER_BACKLOG("max.custom.data.per.backlog", "20", "correlate: distinct custom data pairs a "
        + "backlog keeps; more are left out and counted (docs/limits.md)"),
    MED_RISK_MIN("med.risk.min", "3", "correlate: risk below this is Low (dsiem's `--medRiskMin`)"),
    MED_RISK_MAX("med.risk.max", "6", "correlate: risk up to this is Medium, above it High (dsiem's `--medRiskMax`)"),
    ALARM_STATUS("alarm.status", "Open", "correlate: status of new alarms (the first of dsiem's `--status`)"),
    ALARM_TAG("alarm.tag", "Identified Threat", "correlate: tag of new alarms (the first of dsiem's `--tags`)"),
    MIN_ALARM_LIFETIME("min.alarm.lifetime", "0",
        "correlate: minutes of grace added to every stage window (dsiem's `--minAlarmLifetime`)"),
    ELASTICSEARCH_URL("elasticsearch.url", "http://127.0.0.1:9200", "alarms: Elasticsearch"),
    WRITE_EVENTS("write.events", "false", "alarms: also write normalized events to siem_events-YYYY.MM.DD"),
    BATCH_SIZE("batch.size", "1000", "alarms: records per bulk request");

    public final String key;
    public final String defaultValue;
    public final String doc;

    Key(String key, String defaultValue, String doc) {
      this.key = key;
      this.defaultValue = defaultValue;
      this.doc = doc;
    }

    public String env() {
      return "KSIEM_" + name();
    }
  }

  private final Properties file = new Properties();
  private final Map<String, String> env;

  public AppConfig(Path config, Map<String, String> env) throws IOException {
    this.env = env;
    if (config != null) {
      try (Reader r = Files.newBufferedReader(config)) {
        file.load(r);
      }
      for (String k : file.stringPropertyNames()) {
        boolean known = k.startsWith(KAFKA_PREFIX) && k.length() > KAFKA_PREFIX.length();
        for (Key key : Key.values()) {
          known |= key.key.equals(k);
        }
        if (!known) {
          throw new IllegalArgumentException(config + ": unknown setting '" + k + "' (see docs/settings.md)");
        }
      }
    }
  }

  /** Keys with this prefix are Kafka client properties, given to every client (docs/settings.md, Kafka clients). */
  public static final String KAFKA_PREFIX = "kafka.";
  static final String KAFKA_ENV_PREFIX = "KSIEM_KAFKA_";
  /** Variables under {@link #KAFKA_ENV_PREFIX} that are ksiem's own, not client properties. */
  private static final java.util.Set<String> NOT_CLIENT = java.util.Set.of("KSIEM_KAFKA_LOG_LEVEL");

  /**
   * The Kafka client properties: {@code kafka.<property>} keys of the file, then {@code KSIEM_KAFKA_<PROPERTY>}
   * variables (upper case, dots as underscores: {@code KSIEM_KAFKA_SECURITY_PROTOCOL} is
   * {@code security.protocol}), which win.
   */
  public java.util.Map<String, String> kafkaProperties() {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    for (String k : file.stringPropertyNames()) {
      if (k.startsWith(KAFKA_PREFIX)) {
        out.put(k.substring(KAFKA_PREFIX.length()), file.getProperty(k));
      }
    }
    env.forEach((k, v) -> {
      if (k.startsWith(KAFKA_ENV_PREFIX) && k.length() > KAFKA_ENV_PREFIX.length() && !NOT_CLIENT.contains(k)) {
        out.put(k.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.'), v);
      }
    });
    return out;
  }

  /** How every Kafka client connects: {@code bootstrap.servers} and the client properties. */
  public io.ksiem.runtime.KafkaClients kafka() {
    return new io.ksiem.runtime.KafkaClients(get(Key.BOOTSTRAP_SERVERS), kafkaProperties());
  }

  public String get(Key k) {
    String v = env.get(k.env());
    return v != null ? v : file.getProperty(k.key, k.defaultValue);
  }

  public int integer(Key k) {
    try {
      return Integer.parseInt(get(k).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(k.key + " (" + k.env() + ") must be a whole number, not '" + get(k) + "'");
    }
  }

  public boolean bool(Key k) {
    String v = get(k).trim();
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(k.key + " (" + k.env() + ") must be true or false, not '" + v + "'");
    }
    return Boolean.parseBoolean(v);
  }

  public StreamsApps.Common common() {
    return new StreamsApps.Common(kafka(), get(Key.REGISTRY_URL), get(Key.TOPIC_PREFIX),
        get(Key.STATE_DIR), integer(Key.PARTITIONS), (short) integer(Key.REPLICATION_FACTOR), bool(Key.EXACTLY_ONCE));
  }

  /** The ingest sources: built in, plus the {@code mappings} files. */
  public java.util.List<io.ksiem.ingest.Normalizer> sources() throws IOException {
    java.util.List<Path> paths = new java.util.ArrayList<>();
    for (String p : get(Key.MAPPINGS).split(",")) {
      if (!p.isBlank()) {
        paths.add(Path.of(p.trim()));
      }
    }
    return io.ksiem.ingest.IngestApp.sources(paths);
  }

  /**
   * {@code rack.tags} as tag to value, in the order given. A tag with no value is left out: a Kubernetes pod gets
   * an empty zone where nodes carry no zone label, and one shared empty value would hide the others. Kafka takes
   * values of at most 30 characters, and node names are often longer: those keep 21 characters and a hash.
   */
  public java.util.Map<String, String> rackTags() {
    java.util.Map<String, String> tags = new java.util.LinkedHashMap<>();
    for (String part : get(Key.RACK_TAGS).split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      String key = eq <= 0 ? "" : part.substring(0, eq).trim();
      if (key.isEmpty() || key.length() > 20 || tags.containsKey(key)) {
        throw new IllegalArgumentException("rack.tags: '" + part.trim() + "' is not key=value with a new key of at "
            + "most 20 characters (for example zone=eu-1a,node=n7)");
      }
      String value = part.substring(eq + 1).trim();
      if (value.length() > 30) {
        value = value.substring(0, 21) + "-" + String.format("%08x", value.hashCode());
      }
      if (!value.isEmpty()) {
        tags.put(key, value);
      }
    }
    if (tags.size() > 5) {
      throw new IllegalArgumentException("rack.tags: at most 5 tags, not " + tags.size());
    }
    return tags;
  }

  /** The pipeline's topics under {@code topic.prefix}, with serdes on {@code registry.url}. */
  public io.ksiem.schemas.topic.Topics topics() {
    return new io.ksiem.schemas.topic.Topics(get(Key.TOPIC_PREFIX),
        new io.ksiem.schemas.registry.SchemaRegistryClient(get(Key.REGISTRY_URL)));
  }

  /** Which event times are taken: {@code max.future.seconds}. */
  public io.ksiem.event.TimeBounds timeBounds() {
    return new io.ksiem.event.TimeBounds(integer(Key.MAX_FUTURE_SECONDS));
  }

  /** dsiem's correlation options; invalid combinations are refused with dsiem's start-up checks. */
  public io.ksiem.backlog.CorrelationOptions correlationOptions() {
    return new io.ksiem.backlog.CorrelationOptions(integer(Key.MED_RISK_MIN), integer(Key.MED_RISK_MAX),
        get(Key.ALARM_STATUS).trim(), get(Key.ALARM_TAG).trim(), integer(Key.MIN_ALARM_LIFETIME))
        .withCaps(integer(Key.MAX_BACKLOGS_PER_DIRECTIVE), integer(Key.MAX_ADDRESSES_PER_LIST),
            integer(Key.MAX_CUSTOM_DATA_PER_BACKLOG));
  }

  /** The settings reference as a Markdown table. */
  public static String reference() {
    StringBuilder b = new StringBuilder("| key | environment | default | what |\n|---|---|---|---|\n");
    for (Key k : Key.values()) {
      b.append("| `").append(k.key).append("` | `").append(k.env()).append("` | `").append(k.defaultValue)
          .append("` | ").append(k.doc).append(" |\n");
    }
    return b.toString();
  }
}
