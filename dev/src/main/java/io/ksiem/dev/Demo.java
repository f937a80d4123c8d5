package io.ksiem.dev;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Demo traffic: the bundled Suricata EVE, OpenSSH and dsiem logs, merged in time order and sent to their raw topics
 * as if they happened now. Gaps between lines are shortened ({@code speedup}) so a half-hour attack plays in under a
 * minute; each line's timestamp becomes its send time, and dsiem event ids get a per-run suffix, so a second run is
 * new traffic rather than a duplicate.
 */
final class Demo {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter SURICATA =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxx").withZone(ZoneOffset.UTC);

  /** One line of a source, with the field that holds its time. */
  record Line(String source, ObjectNode json, String timeField, Instant time) {
  }

  private final List<Line> lines;

  Demo(Path rawDir) throws IOException {
    lines = new ArrayList<>();
    for (var e : Map.of("suricata", "timestamp", "openssh", "@timestamp", "dsiem", "timestamp").entrySet()) {
      Path f = rawDir.resolve(e.getKey() + ".jsonl");
      for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (l.isBlank()) {
          continue;
        }
        ObjectNode n = (ObjectNode) JSON.readTree(l);
        lines.add(new Line(e.getKey(), n, e.getValue(), parse(n.path(e.getValue()).asText())));
      }
    }
    lines.sort(Comparator.comparing(Line::time));
  }

  private static Instant parse(String t) {
    return java.time.OffsetDateTime.parse(t.replaceFirst("([+-]\\d\\d)(\\d\\d)$", "$1:$2")).toInstant();
  }

  int size() {
    return lines.size();
  }

  /** The speed-up that plays the logs in about {@code seconds}. */
  double speedupFor(int seconds) {
    long span = lines.get(lines.size() - 1).time().toEpochMilli() - lines.get(0).time().toEpochMilli();
    return Math.max(1.0, span / (seconds * 1000.0));
  }

  /** Sends every line, paced; returns the number sent. Interruptible. */
  int play(io.ksiem.runtime.KafkaClients kafka, java.util.function.Function<String, String> topicOf,
      double speedup)
      throws InterruptedException {
    String run = Long.toString(Instant.now().getEpochSecond(), 36);
    int sent = 0;
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.config(Map.of(ProducerConfig.LINGER_MS_CONFIG,
        5)), new ByteArraySerializer(), new ByteArraySerializer())) {
      Instant first = lines.get(0).time();
      long start = System.currentTimeMillis();
      for (Line l : lines) {
        long due = start + (long) ((l.time().toEpochMilli() - first.toEpochMilli()) / speedup);
        long wait = due - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
        ObjectNode n = l.json().deepCopy();
        Instant now = Instant.now();
        n.put(l.timeField(), l.source().equals("suricata") ? SURICATA.format(now)
            : DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
        JsonNode id = n.get("event_id");
        if (id != null && id.isTextual()) {
          n.put("event_id", id.asText() + "-" + run);
        }
        p.send(new ProducerRecord<>(topicOf.apply(l.source()), n.toString().getBytes(StandardCharsets.UTF_8)));
        sent++;
      }
    }
    return sent;
  }
}
