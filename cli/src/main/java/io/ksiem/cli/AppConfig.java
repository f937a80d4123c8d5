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
        "Confluent Schema Registry API base URL (Confluent, Apicurio ccompat, Karapace, Redpanda); no credentials in "
        + "it: the next settings take them"),
    REGISTRY_USER("registry.user", "", "user for HTTP basic authentication to the registry (Confluent, Karapace)"),
    REGISTRY_PASSWORD("registry.password", "", "its password; prefer registry.password.file"),
    REGISTRY_PASSWORD_FILE("registry.password.file", "", "file holding the registry password (a mounted Secret)"),
    REGISTRY_TOKEN("registry.token", "", "bearer token for the registry (an OAuth-protected Apicurio), instead of "
        + "basic; prefer registry.token.file"),
    REGISTRY_TOKEN_FILE("registry.token.file", "", "file holding the registry bearer token"),
    REGISTRY_CA_FILE("registry.ca.file", "", "PEM file of the CAs that signed the registry's certificate, trusted "
        + "instead of the JVM's"),
    TOPIC_PREFIX("topic.prefix", "ksiem.", "prefix of every topic; app ids derive from it"),
    STATE_DIR("state.dir", ".ksiem/state", "Kafka Streams state (RocksDB) directory"),
    PARTITIONS("partitions", "4", "partitions of topics the app creates"),
    REPLICATION_FACTOR("replication.factor", "1", "replication of topics the app creates, internal ones included"),
    EXACTLY_ONCE("exactly.once", "true", "exactly_once_v2 (false: at least once)"),
    HTTP_PORT("http.port", "8080", "ingest: port of POST /events and the operator's paths (GET /health/live, "
        + "/health/ready, /metrics: docs/operations.md); correlate, alarms: port of the operator's paths (-1: off)"),
    HTTP_HOST("http.host", "0.0.0.0", "address of the HTTP port"),
    HTTP_TLS_KEYSTORE("http.tls.keystore", "", "ingest: PKCS12 keystore with the key and certificate chain of "
        + "POST /events; set, the port speaks HTTPS only (docs/security.md)"),
    HTTP_TLS_KEYSTORE_PASSWORD("http.tls.keystore.password", "", "ingest: the keystore's password (prefer "
        + "`http.tls.keystore.password.file`)"),
    HTTP_TLS_KEYSTORE_PASSWORD_FILE("http.tls.keystore.password.file", "", "ingest: file holding the keystore's "
        + "password"),
    HTTP_TLS_CLIENT_CA("http.tls.client.ca", "", "ingest: PEM file of CA certificates; set, every client of POST "
        + "/events must present a certificate one of them signed (mutual TLS)"),
    HTTP_AUTH_TOKENS("http.auth.tokens", "", "ingest: bearer tokens accepted at POST /events, one a line (prefer "
        + "`http.auth.tokens.file`); with no tokens and no basic credentials, anyone who can reach the port can post"),
    HTTP_AUTH_TOKENS_FILE("http.auth.tokens.file", "", "ingest: file of accepted bearer tokens, one a line "
        + "(`#` comments)"),
    HTTP_AUTH_BASIC("http.auth.basic", "", "ingest: `user:password` pairs accepted at POST /events as basic "
        + "credentials, one a line (prefer `http.auth.basic.file`)"),
    HTTP_AUTH_BASIC_FILE("http.auth.basic.file", "", "ingest: file of accepted `user:password` lines"),
    HTTP_HEADER_TIMEOUT_MS("http.header.timeout.ms", "10000", "ingest: time a connection to POST /events has to send "
        + "a request's headers, from its opening or, kept alive, from the request's first bytes; then it is closed "
        + "(slow clients)"),
    HTTP_IDLE_TIMEOUT_MS("http.idle.timeout.ms", "30000", "ingest: time a request may send or take nothing (a "
        + "stalled body is answered 408), and a kept-alive connection may stay idle"),
    HTTP_MAX_CONNECTIONS("http.max.connections", "1000", "ingest: connections to POST /events served at once; "
        + "more wait to be accepted"),
    HTTP_RATE_LIMIT("http.rate.limit", "0", "ingest: events a second POST /events takes, over all clients; more are "
        + "answered 429 with Retry-After (0: no limit)"),
    HTTP_MAX_IN_FLIGHT("http.max.in.flight", "1000", "ingest: events of POST /events sent and not yet acknowledged "
        + "by Kafka; more are answered 429 with Retry-After"),
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
    ELASTICSEARCH_URL("elasticsearch.url", "http://127.0.0.1:9200", "alarms: Elasticsearch nodes, comma-separated "
        + "URLs, all https or all http; no credentials in them: the next settings take them"),
    ELASTICSEARCH_CA_FILE("elasticsearch.ca.file", "", "alarms: PEM file of the CAs that signed Elasticsearch's "
        + "HTTP certificate, trusted instead of the JVM's (https only)"),
    ELASTICSEARCH_CA_FINGERPRINT("elasticsearch.ca.fingerprint", "", "alarms: instead of a CA file, the SHA-256 "
        + "fingerprint (hex, colons allowed) of the HTTP CA certificate, as Elasticsearch prints it at its first "
        + "start (https only)"),
    ELASTICSEARCH_API_KEY("elasticsearch.api.key", "", "alarms: API key (the `encoded` value of the create API key "
        + "response, or `id:api_key`), sent as `Authorization: ApiKey`; instead of a user; prefer "
        + "elasticsearch.api.key.file"),
    ELASTICSEARCH_API_KEY_FILE("elasticsearch.api.key.file", "", "alarms: file holding the Elasticsearch API key"),
    ELASTICSEARCH_USER("elasticsearch.user", "", "alarms: user for HTTP basic authentication to Elasticsearch; its "
        + "least privileges are in docs/security.md"),
    ELASTICSEARCH_PASSWORD("elasticsearch.password", "", "alarms: its password; prefer elasticsearch.password.file"),
    ELASTICSEARCH_PASSWORD_FILE("elasticsearch.password.file", "", "alarms: file holding the Elasticsearch password"),
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

  /**
   * A credential given either as {@code value} or, better, as a file named by {@code file} (a mounted Secret): its
   * content with the final line break removed. Null when neither is set; both set is refused, so no one wonders
   * which wins. Never put the result in a message or log line.
   */
  public String secret(Key value, Key file) {
    String v = get(value);
    String f = get(file);
    boolean hasValue = v != null && !v.isEmpty();
    boolean hasFile = f != null && !f.isBlank();
    if (hasValue && hasFile) {
      throw new IllegalArgumentException("set " + value.key + " or " + file.key + " (" + value.env() + " or "
          + file.env() + "), not both");
    }
    if (!hasFile) {
      return hasValue ? v : null;
    }
    try {
      String s = Files.readString(Path.of(f.trim()));
      return s.endsWith("\r\n") ? s.substring(0, s.length() - 2) : s.endsWith("\n") ? s.substring(0, s.length() - 1)
          : s;
    } catch (IOException e) {
      // the path is no secret; the content is never read into the message
      throw new IllegalArgumentException(file.key + ": cannot read " + f.trim() + ": " + e.getClass().getSimpleName(),
          e);
    }
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
    return new StreamsApps.Common(kafka(), get(Key.REGISTRY_URL), registryAccess(), get(Key.TOPIC_PREFIX),
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

  /**
   * How the alarms sink reaches Elasticsearch: {@code elasticsearch.url}, its trust ({@code elasticsearch.ca.file}
   * or {@code elasticsearch.ca.fingerprint}) and credentials (an API key, or a user and password).
   */
  public io.ksiem.elasticsearch.ElasticsearchConnection elasticsearch() {
    io.ksiem.elasticsearch.ElasticsearchConnection c;
    try {
      c = io.ksiem.elasticsearch.ElasticsearchConnection.to(get(Key.ELASTICSEARCH_URL));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(Key.ELASTICSEARCH_URL.key + ": " + e.getMessage());
    }
    String ca = get(Key.ELASTICSEARCH_CA_FILE).trim();
    String fingerprint = get(Key.ELASTICSEARCH_CA_FINGERPRINT).trim();
    if (!ca.isEmpty() && !fingerprint.isEmpty()) {
      throw new IllegalArgumentException("set " + Key.ELASTICSEARCH_CA_FILE.key + " or "
          + Key.ELASTICSEARCH_CA_FINGERPRINT.key + ", not both");
    }
    String apiKey = secret(Key.ELASTICSEARCH_API_KEY, Key.ELASTICSEARCH_API_KEY_FILE);
    String user = get(Key.ELASTICSEARCH_USER).trim();
    String password = secret(Key.ELASTICSEARCH_PASSWORD, Key.ELASTICSEARCH_PASSWORD_FILE);
    if (apiKey != null && (!user.isEmpty() || password != null)) {
      throw new IllegalArgumentException("set " + Key.ELASTICSEARCH_API_KEY.key + " or " + Key.ELASTICSEARCH_USER.key
          + " and its password, not both");
    }
    if (user.isEmpty() != (password == null)) {
      throw new IllegalArgumentException("set both " + Key.ELASTICSEARCH_USER.key + " and "
          + Key.ELASTICSEARCH_PASSWORD.key + " (or " + Key.ELASTICSEARCH_PASSWORD_FILE.key + "), or neither");
    }
    try {
      if (!ca.isEmpty()) {
        c = c.trustingCaFile(Path.of(ca));
      }
      if (!fingerprint.isEmpty()) {
        c = c.trustingCaFingerprint(fingerprint);
      }
      if (apiKey != null) {
        c = c.withApiKey(apiKey);
      }
      if (!user.isEmpty()) {
        c = c.withUser(user, password);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Elasticsearch settings: " + e.getMessage());
    }
    return c;
  }

  /** The pipeline's topics under {@code topic.prefix}, with serdes on {@code registry.url}. */
  public io.ksiem.schemas.topic.Topics topics() {
    return new io.ksiem.schemas.topic.Topics(get(Key.TOPIC_PREFIX),
        new io.ksiem.schemas.registry.SchemaRegistryClient(get(Key.REGISTRY_URL), registryAccess()));
  }

  /** The registry's credentials and trust: {@code registry.user} and password, or a token; {@code registry.ca.file}. */
  public io.ksiem.schemas.registry.RegistryAccess registryAccess() {
    return io.ksiem.schemas.registry.RegistryAccess.of(get(Key.REGISTRY_USER),
        secret(Key.REGISTRY_PASSWORD, Key.REGISTRY_PASSWORD_FILE), secret(Key.REGISTRY_TOKEN, Key.REGISTRY_TOKEN_FILE),
        get(Key.REGISTRY_CA_FILE));
  }

  /** Which event times are taken: {@code max.future.seconds}. */
  public io.ksiem.event.TimeBounds timeBounds() {
    return new io.ksiem.event.TimeBounds(integer(Key.MAX_FUTURE_SECONDS));
  }

  /** How ingest serves POST /events: TLS, the accepted credentials, the timeouts and limits. */
  public io.ksiem.ingest.IntakeSettings intakeSettings() {
    String keystore = get(Key.HTTP_TLS_KEYSTORE);
    io.ksiem.ingest.IntakeSettings.Tls tls = null;
    if (keystore != null && !keystore.isBlank()) {
      String password = secret(Key.HTTP_TLS_KEYSTORE_PASSWORD, Key.HTTP_TLS_KEYSTORE_PASSWORD_FILE);
      if (password == null) {
        throw new IllegalArgumentException(Key.HTTP_TLS_KEYSTORE.key + " needs "
            + Key.HTTP_TLS_KEYSTORE_PASSWORD_FILE.key + " or " + Key.HTTP_TLS_KEYSTORE_PASSWORD.key);
      }
      String ca = get(Key.HTTP_TLS_CLIENT_CA);
      tls = new io.ksiem.ingest.IntakeSettings.Tls(Path.of(keystore.trim()), password,
          ca == null || ca.isBlank() ? null : Path.of(ca.trim()));
    } else if (get(Key.HTTP_TLS_CLIENT_CA) != null && !get(Key.HTTP_TLS_CLIENT_CA).isBlank()) {
      throw new IllegalArgumentException(Key.HTTP_TLS_CLIENT_CA.key + " needs " + Key.HTTP_TLS_KEYSTORE.key);
    }
    return new io.ksiem.ingest.IntakeSettings(tls,
        io.ksiem.ingest.IntakeSettings.lines(secret(Key.HTTP_AUTH_TOKENS, Key.HTTP_AUTH_TOKENS_FILE)),
        io.ksiem.ingest.IntakeSettings.lines(secret(Key.HTTP_AUTH_BASIC, Key.HTTP_AUTH_BASIC_FILE)),
        java.time.Duration.ofMillis(integer(Key.HTTP_HEADER_TIMEOUT_MS)),
        java.time.Duration.ofMillis(integer(Key.HTTP_IDLE_TIMEOUT_MS)), integer(Key.HTTP_MAX_CONNECTIONS),
        integer(Key.HTTP_RATE_LIMIT), integer(Key.HTTP_MAX_IN_FLIGHT));
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
