package io.ksiem.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How every Kafka client of an app or command connects: the bootstrap servers and any further Kafka client
 * properties from the settings ({@code kafka.<property>} keys, docs/settings.md), such as {@code security.protocol},
 * {@code sasl.mechanism}, {@code sasl.jaas.config} or {@code ssl.truststore.location}. Secrets need not be in the
 * settings: Kafka's config providers read them from files ({@code config.providers=file} and
 * {@code ${file:/path:key}}), as Kafka documents.
 */
public record KafkaClients(String bootstrapServers, Map<String, String> properties) {
  public KafkaClients {
    properties = Map.copyOf(properties);
  }

  /** Plain: the bootstrap servers alone. */
  public static KafkaClients of(String bootstrapServers) {
    return new KafkaClients(bootstrapServers, Map.of());
  }

  /**
   * A client's configuration: these properties, then the client's own settings, which win (ksiem relies on them:
   * read_committed, no auto commit, acks=all), and the bootstrap servers.
   */
  public Map<String, Object> config(Map<String, ?> own) {
    Map<String, Object> c = new HashMap<>(properties);
    c.putAll(own);
    c.put("bootstrap.servers", bootstrapServers);
    return c;
  }

  public Map<String, Object> config() {
    return config(Map.of());
  }

  /** The properties with the values of secret-looking keys hidden, for logs and errors. */
  public Map<String, String> redacted() {
    Map<String, String> out = new TreeMap<>();
    properties.forEach((k, v) -> out.put(k, k.contains("password") || k.contains("jaas") || k.contains("secret")
        || k.endsWith(".key") ? "[hidden]" : v));
    return out;
  }

  @Override
  public String toString() {
    return "KafkaClients[" + bootstrapServers + ", " + redacted() + "]";
  }
}
