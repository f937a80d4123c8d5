package io.ksiem.runtime;

/**
 * The three apps: the one place their names and ids come from. The id is the Streams {@code application.id} (the
 * alarms sink's consumer group), derived from the topic prefix, so pipelines that share a cluster under different
 * prefixes share no state: {@code ksiem.} gives {@code ksiem-correlate}.
 */
public enum App {
  INGEST("ingest"),
  CORRELATE("correlate"),
  ALARMS("alarms");

  private final String shortName;

  App(String shortName) {
    this.shortName = shortName;
  }

  /** {@code ingest}, {@code correlate} or {@code alarms}: the command, the state directory, dead-letter headers. */
  public String shortName() {
    return shortName;
  }

  /** The app's id under {@code topicPrefix}. */
  public String id(String topicPrefix) {
    return topicPrefix.replace('.', '-') + shortName;
  }
}
