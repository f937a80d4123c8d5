package io.ksiem.schemas.topic;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic with its key and value serdes, declared once in {@link Topics}. {@code key} and {@code value} describe
 * the records for the topics table of topology-docs; {@code config} holds the topic-level settings it is created
 * with (cleanup policy, retention).
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, String key, String value,
    Map<String, String> config, String purpose) {

  public String cleanupPolicy() {
    return config.getOrDefault("cleanup.policy", "delete");
  }

  /** Retention in words, for the docs. */
  public String retention() {
    if (cleanupPolicy().equals("compact")) {
      return "compacted (latest value per key, forever)";
    }
    long ms = Long.parseLong(config.getOrDefault("retention.ms", "604800000"));
    return ms < 0 ? "forever" : (ms / 86_400_000L) + " days";
  }
}
