package io.ksiem.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The log settings. They are environment variables only: Log4j reads them as it starts (log4j2.xml), before a
 * settings file is read. A value Log4j would not understand is refused before anything logs, since Log4j would
 * otherwise fall back without a word (an unknown format) or log nothing at all (an unknown level).
 */
public enum LogSettings {
  KSIEM_LOG_FORMAT("plain", List.of("plain", "json"), "`plain`: a line per event; `json`: ECS JSON lines (Log4j's "
      + "JSON template layout, `EcsLayout.json`), with the app as `service.name` and the Streams task a line "
      + "speaks for as `ksiem.task`, for a log shipper (the images set it)"),
  KSIEM_LOG_LEVEL("INFO", Levels.ALL, "level of ksiem's own lines"),
  KSIEM_KAFKA_LOG_LEVEL("WARN", Levels.ALL, "level of every library's lines: Kafka's clients and Streams, "
      + "Jetty, the Elasticsearch client (`ksiem up`: the embedded servers too, written to its log file)");

  private final String defaultValue;
  private final List<String> values;
  private final String doc;

  LogSettings(String defaultValue, List<String> values, String doc) {
    this.defaultValue = defaultValue;
    this.values = values;
    this.doc = doc;
  }

  private static final class Levels {
    static final List<String> ALL = List.of("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL");
  }

  /** What is wrong with the log settings in {@code env}, or null. */
  public static String refusal(Map<String, String> env) {
    for (LogSettings s : values()) {
      String v = env.get(s.name());
      if (v != null && !v.isEmpty() && !s.values.contains(s == KSIEM_LOG_FORMAT ? v : v.toUpperCase(Locale.ROOT))) {
        return s.name() + "=" + v + " is not one of " + String.join(", ", s.values);
      }
    }
    return null;
  }

  /**
   * First in {@code main}, before Log4j starts: names the service, and exits with 2 and a line on stderr when a log
   * setting is refused.
   */
  public static void prepare(String[] args) {
    nameService(args);
    String refused = refusal(System.getenv());
    if (refused != null) {
      System.err.println("ksiem: " + refused + " (docs/settings.md, Logs)");
      System.exit(2);
    }
  }

  /**
   * Names the process in its JSON lines ({@code service.name}) after the app it runs: {@code args} as the command
   * line has them. Called first in {@code main}, before Log4j starts and reads it.
   */
  static void nameService(String[] args) {
    String command = args.length > 0 && List.of("ingest", "correlate", "alarms", "up").contains(args[0]) ? args[0]
        : "cli";
    System.setProperty("ksiem.service", "ksiem-" + command);
  }

  /** The log settings as a Markdown table. */
  public static String reference() {
    StringBuilder b = new StringBuilder("| environment | default | values | what |\n|---|---|---|---|\n");
    for (LogSettings s : values()) {
      b.append("| `").append(s.name()).append("` | `").append(s.defaultValue).append("` | ")
          .append(String.join(", ", s.values)).append(" | ").append(s.doc).append(" |\n");
    }
    return b.toString();
  }
}
