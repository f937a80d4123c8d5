package io.ksiem.dev;

import io.ksiem.cli.Offsets;
import io.ksiem.correlate.CorrelateStats;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The live screen of `ksiem up`: events in/s, normalized, dead-lettered, active backlogs, alarms by risk class,
 * consumer lag per app and the newest alarms. On a terminal it redraws in place; otherwise (CI, a pipe) it prints a
 * status line now and then and a line per alarm snapshot.
 */
final class LiveView implements AutoCloseable {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  /** What the view reads. {@code groups}: app name to consumer group. */
  record Sources(io.ksiem.runtime.KafkaClients kafka, Topics topics, List<String> rawTopics, Map<String, String> groups,
      MeterRegistry meters, CorrelateStats correlate) {
  }

  private final Sources s;
  private final PrintWriter out;
  private final boolean terminal;
  private final Admin admin;
  private final KafkaConsumer<byte[], byte[]> alarms;
  private final Map<String, String> riskClassOf = new HashMap<>();
  private final Deque<Alarm> newest = new ArrayDeque<>();
  private long lastRaw = -1;
  private long lastAt;
  private double rate;
  private long lastPlain;
  private long snapshots;

  LiveView(Sources s, PrintWriter out, boolean terminal) {
    this.s = s;
    this.out = out;
    this.terminal = terminal;
    this.admin = Admin.create(s.kafka().config());
    this.alarms = fromTheStart(s, s.topics().alarms.name());
    // records, not offsets: under exactly-once a topic's offsets also count transaction markers and aborted writes
    this.deadLetterReader = fromTheStart(s, s.topics().deadLetter.name());
  }

  /** A reader of every committed record of {@code topic}, from its start. */
  private static KafkaConsumer<byte[], byte[]> fromTheStart(Sources s, String topic) {
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(s.kafka().config(Map.of(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    List<TopicPartition> parts = c.partitionsFor(topic).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    c.assign(parts);
    c.seekToBeginning(parts);
    return c;
  }

  private final KafkaConsumer<byte[], byte[]> deadLetterReader;
  private long deadLetters;

  /** Whether standard output is an interactive terminal that can redraw. */
  static boolean isTerminal() {
    return System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }

  /** Reads what changed and shows it; call about once a second. */
  void refresh() throws Exception {
    var deserializer = s.topics().alarms.valueSerde().deserializer();
    for (ConsumerRecord<byte[], byte[]> r : alarms.poll(Duration.ofMillis(200))) {
      Alarm a = deserializer.deserialize(r.topic(), r.value());
      riskClassOf.put(a.getAlarmId(), a.getRiskClass());
      snapshots++;
      newest.removeIf(x -> x.getAlarmId().equals(a.getAlarmId()));
      newest.addFirst(a);
      while (newest.size() > 8) {
        newest.removeLast();
      }
      if (!terminal) {
        out.printf("%s alarm %s risk %d (%s): %s%n", TIME.format(Instant.now()), a.getAlarmId(), a.getRisk(),
            a.getRiskClass(), a.getTitle());
      }
    }
    long raw = endOffsets(s.rawTopics()).values().stream().mapToLong(Long::longValue).sum();
    long now = System.nanoTime();
    boolean show = terminal || System.currentTimeMillis() - lastPlain >= 10_000;
    if (show) {
      // over the time since the last status shown: a second on a terminal, ten seconds in plain lines
      if (lastRaw >= 0 && now > lastAt) {
        rate = (raw - lastRaw) / ((now - lastAt) / 1e9);
      }
      lastRaw = raw;
      lastAt = now;
    }
    Map<String, Double> ingest = new TreeMap<>();
    s.meters().find("ksiem.ingest.records").counters().forEach(c -> ingest.merge(c.getId().getTag("outcome"),
        c.count(), Double::sum));
    for (int i = 0, n = 1; i < 20 && n > 0; i++) {
      n = deadLetterReader.poll(Duration.ofMillis(i == 0 ? 50 : 0)).count();
      deadLetters += n;
    }
    Map<String, Long> byClass = new TreeMap<>();
    riskClassOf.values().forEach(c -> byClass.merge(c, 1L, Long::sum));
    Map<String, Long> lag = new TreeMap<>();
    for (var g : s.groups().entrySet()) {
      lag.put(g.getKey(), Offsets.lag(admin, g.getValue()));
    }
    String status = String.format("events in %.0f/s (%d raw records) | normalized %.0f, skipped %.0f, "
        + "dead-lettered %.0f (dead-letter topic: %d) | active backlogs %d | late events %d | alarms %s | lag %s",
        rate, raw, ingest.getOrDefault("normalized", 0.0), ingest.getOrDefault("skipped", 0.0),
        ingest.getOrDefault("dead-lettered", 0.0), deadLetters, s.correlate().liveBacklogs(),
        s.correlate().lateEvents(), byClass.isEmpty() ? "none yet" : byClass, lag);
    if (terminal) {
      StringBuilder b = new StringBuilder("\033[H\033[2J");
      b.append("ksiem up  ").append(TIME.format(Instant.now())).append("   (Ctrl-C stops everything)\n\n");
      b.append(String.format("  events in          %8.0f /s   (%d raw records)%n", rate, raw));
      b.append(String.format("  normalized         %8.0f%n", ingest.getOrDefault("normalized", 0.0)));
      b.append(String.format("  skipped            %8.0f   (lines a mapping does not take)%n",
          ingest.getOrDefault("skipped", 0.0)));
      b.append(String.format("  dead-lettered      %8d   (topic %s)%n", deadLetters, s.topics().deadLetter.name()));
      b.append(String.format("  active backlogs    %8d%n", s.correlate().liveBacklogs()));
      b.append(String.format("  late events        %8d   (correlated, and in topic %s)%n", s.correlate().lateEvents(),
          s.topics().lateEvents.name()));
      b.append(String.format("  alarms by risk     %s%n", byClass.isEmpty() ? "none yet" : byClass));
      b.append(String.format("  consumer lag       %s%n%n", lag));
      b.append("  newest alarms\n");
      for (Alarm a : newest) {
        b.append(String.format("    %s  risk %-2d %-6s %s  %s%n", TIME.format(Instant.ofEpochSecond(
            a.getUpdateTime())), a.getRisk(), a.getRiskClass(), a.getAlarmId(), a.getTitle()));
      }
      out.print(b);
      out.flush();
    } else if (show) {
      lastPlain = System.currentTimeMillis();
      out.println(TIME.format(Instant.now()) + " " + status);
      out.flush();
    } else {
      out.flush();
    }
  }

  /** Alarm snapshots seen so far. */
  long snapshots() {
    return snapshots;
  }

  private Map<TopicPartition, Long> endOffsets(List<String> topics) throws Exception {
    return Offsets.end(admin, topics);
  }

  @Override
  public void close() {
    alarms.close();
    deadLetterReader.close();
    admin.close();
  }
}
