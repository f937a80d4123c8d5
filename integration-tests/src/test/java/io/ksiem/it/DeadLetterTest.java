package io.ksiem.it;

import io.ksiem.dev.LocalPipeline;
import io.ksiem.engine.Fixtures;
import io.ksiem.runtime.EventRecords;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.SharedServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Hostile input of every kind, at every stage, on real servers: malformed records, times before 1970 or far ahead,
 * tombstones, oversized bodies. Each record is accounted for: found in the dead-letter topic, unchanged, with the
 * reason; answered 4xx; or skipped and counted. No app stops, and an attack sent afterwards still raises its alarms
 * as `ksiem replay` does.
 */
class DeadLetterTest {
  private static final String DSIEM_OK = "{\"event_id\":\"ok\",\"timestamp\":\"2026-01-05T10:00:00Z\",\"sensor\":\"s\","
      + "\"src_ip\":\"1.2.3.4\",\"dst_ip\":\"10.10.1.10\",\"plugin_id\":1,\"plugin_sid\":1}";

  @Test
  void everyMalformedRecordIsADeadLetterWithItsReason() throws Exception {
    PipelineFixture f = new PipelineFixture(SharedServers.kafka().bootstrapServers(), SharedServers.registryUrl(),
        "dlq.");
    Topics t = f.topics;
    // value -> the reason the dead letter must give (a substring)
    Map<String, String> ingest = new LinkedHashMap<>();
    ingest.put("dsiem|this is not json", "not JSON");
    ingest.put("dsiem|[1,2,3]", "not a JSON object");
    ingest.put("dsiem|" + DSIEM_OK.replace("\"plugin_id\":1", "\"plugin_id\":\"1800\""), "plugin_id");
    ingest.put("dsiem|" + DSIEM_OK.replace("\"sensor\":\"s\",", ""), "sensor is empty");
    ingest.put("dsiem|" + DSIEM_OK.replace("2026-01-05T10:00:00Z", "2026-01-05 10:00:00"), "not RFC 3339");
    ingest.put("dsiem|" + DSIEM_OK.replace(",\"plugin_id\":1,\"plugin_sid\":1", ""),
        "neither a plugin_id/plugin_sid pair nor product and category");
    ingest.put("suricata|{\"timestamp\":\"noon\",\"event_type\":\"alert\",\"src_ip\":\"1.2.3.4\","
        + "\"dest_ip\":\"10.0.0.1\",\"alert\":{\"signature_id\":1}}", "does not have the format");
    ingest.put("suricata|{\"timestamp\":\"2026-01-05T10:00:00.000000+0000\",\"event_type\":\"alert\","
        + "\"src_ip\":\"1.2.3.4\",\"dest_ip\":\"10.0.0.1\",\"dest_port\":\"http\",\"alert\":{\"signature_id\":1}}",
        "dst_port: 'http' is not an integer");
    ingest.put("openssh|{\"@timestamp\":\"2026-01-05T10:00:00Z\",\"message\":\"Failed password for root from "
        + "203.0.113.5 port 1 ssh2\"}", "dst_ip is empty");
    // times Kafka cannot carry, or that would move a clock decades ahead
    for (String time : List.of("1969-12-31T23:00:00Z", "0001-01-01T00:00:00Z")) {
      ingest.put("dsiem|" + DSIEM_OK.replace("2026-01-05T10:00:00Z", time).replace("\"ok\"", "\"t" + time + "\""),
          "before 1970");
    }
    for (String time : List.of("9999-12-31T23:59:59Z", "2099-01-01T00:00:00Z")) {
      ingest.put("dsiem|" + DSIEM_OK.replace("2026-01-05T10:00:00Z", time).replace("\"ok\"", "\"t" + time + "\""),
          "max.future");
    }
    ingest.put("dsiem|" + DSIEM_OK.replace("\"sensor\":\"s\"", "\"sensor\":\"" + "s".repeat(5000) + "\""),
        "sensor has 5000 characters");
    ingest.put("suricata|{\"timestamp\":\"1969-12-31T23:59:00.000000+0000\",\"event_type\":\"alert\","
        + "\"src_ip\":\"1.2.3.4\",\"dest_ip\":\"10.0.0.1\",\"alert\":{\"signature_id\":1}}", "before 1970");

    io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    try (LocalPipeline p = f.pipeline(SharedServers.elasticsearch().url(), meters);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", f.bootstrap),
            new ByteArraySerializer(), new ByteArraySerializer())) {
      p.start();
      p.awaitRunning(Duration.ofSeconds(60));
      List<byte[]> values = new ArrayList<>();
      List<String> reasons = new ArrayList<>();
      for (var e : ingest.entrySet()) {
        String source = e.getKey().substring(0, e.getKey().indexOf('|'));
        byte[] v = e.getKey().substring(source.length() + 1).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(t.raw(source).name(), v)).get();
        values.add(v);
        reasons.add(e.getValue());
      }
      // bytes that are not UTF-8
      byte[] binary = {(byte) 0xc3, (byte) 0x28, '{'};
      producer.send(new ProducerRecord<>(t.raw("dsiem").name(), binary)).get();
      values.add(binary);
      reasons.add("not JSON");
      // a value as large as the broker takes: its dead letter, with the reason in headers, may not fit (then it is
      // cut, and says so)
      byte[] huge = new byte[1_000_000];
      Arrays.fill(huge, (byte) 'x');
      producer.send(new ProducerRecord<>(t.raw("dsiem").name(), huge)).get();
      values.add(huge);
      reasons.add("not JSON");
      // tombstones: skipped and counted, on every input
      producer.send(new ProducerRecord<>(t.raw("suricata").name(), "k".getBytes(StandardCharsets.UTF_8), null))
          .get();
      producer.send(new ProducerRecord<>(t.raw("dsiem").name(), "k".getBytes(StandardCharsets.UTF_8), null)).get();
      producer.send(new ProducerRecord<>(t.events.name(), "k".getBytes(StandardCharsets.UTF_8), null)).get();
      producer.send(new ProducerRecord<>(t.alarms.name(), "k".getBytes(StandardCharsets.UTF_8), null)).get();
      producer.send(new ProducerRecord<>(t.alarmEvents.name(), "k".getBytes(StandardCharsets.UTF_8), null)).get();
      // POST /events: out-of-bounds times are answered 422 and write nothing; the other refusals as dsiem answers
      for (String time : List.of("1969-12-31T23:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
          "2099-01-01T00:00:00Z")) {
        assertEquals(422, PipelineFixture.post(p.ingest().httpPort(), DSIEM_OK.replace("2026-01-05T10:00:00Z", time)),
            time);
      }
      assertEquals(418, PipelineFixture.post(p.ingest().httpPort(), DSIEM_OK.replace("\"sensor\":\"s\",", "")));
      assertEquals(500, PipelineFixture.post(p.ingest().httpPort(), "{\"event_id\":"));
      assertEquals(413, PipelineFixture.post(p.ingest().httpPort(), "x".repeat((1 << 20) + 1)));
      // POST /events with a timestamp dsiem accepts but cannot correlate: 200, as dsiem answers, and a dead letter
      String http = DSIEM_OK.replace("2026-01-05T10:00:00Z", "05/01/2026 10:00");
      assertEquals(200, PipelineFixture.post(p.ingest().httpPort(), http));
      values.add(http.getBytes(StandardCharsets.UTF_8));
      reasons.add("not RFC 3339");
      // on the events topic: bytes that are not the wire format (Kafka Streams' own dead-letter handling)
      byte[] notAvro = "not avro".getBytes(StandardCharsets.UTF_8);
      producer.send(new ProducerRecord<>(t.events.name(), notAvro)).get();
      values.add(notAvro);
      reasons.add("magic byte");
      // on the events topic: a well-formed record of an event that is not valid
      var bad = Fixtures.event("avro-bad", 0, "1.2.3.4", "10.10.1.10", 1, 1);
      bad.timestamp = "yesterday";
      byte[] badAvro = t.events.valueSerde().serializer().serialize(t.events.name(),
          EventRecords.toAvro(bad, 0, "test"));
      producer.send(new ProducerRecord<>(t.events.name(), badAvro)).get();
      values.add(badAvro);
      reasons.add("not RFC 3339");
      // on the events topic (which other producers may write): times out of bounds, refused again by the router
      for (String time : List.of("1969-12-31T23:00:00Z", "9999-12-31T23:59:59Z")) {
        var outOfBounds = Fixtures.event("avro-" + time, 0, "1.2.3.4", "10.10.1.10", 1, 1);
        outOfBounds.timestamp = time;
        byte[] avro = t.events.valueSerde().serializer().serialize(t.events.name(),
            EventRecords.toAvro(outOfBounds, 0, "test"));
        producer.send(new ProducerRecord<>(t.events.name(), avro)).get();
        values.add(avro);
        reasons.add(time.startsWith("1969") ? "before 1970" : "max.future");
      }
      // on the alarms topic: not an alarm (the Elasticsearch sink)
      byte[] notAlarm = {0, 0, 0, 0, 1, 2, 3};
      producer.send(new ProducerRecord<>(t.alarms.name(), notAlarm)).get();
      values.add(notAlarm);
      reasons.add("alarms");

      List<ConsumerRecord<byte[], byte[]>> dead = read(f.bootstrap, t.deadLetter.name(), values.size());
      for (int i = 0; i < values.size(); i++) {
        ConsumerRecord<byte[], byte[]> found = null;
        for (ConsumerRecord<byte[], byte[]> r : dead) {
          if (Arrays.equals(values.get(i), r.value()) || r.headers().lastHeader(Topics.HEADER_TRUNCATED) != null
              && values.get(i) != null && r.value() != null && r.value().length < values.get(i).length
              && Arrays.equals(Arrays.copyOf(values.get(i), r.value().length), r.value())) {
            found = r;
          }
        }
        String what = values.get(i) == null ? "null" : new String(values.get(i), StandardCharsets.UTF_8);
        assertNotNull(found, "dead letter for " + what);
        String all = describe(found);
        assertTrue(all.contains(reasons.get(i)), what + " -> " + all);
      }
      assertEquals(values.size(), dead.size(), "one dead letter per malformed record, nothing else");
      assertEquals(2.0, meters.get("ksiem.ingest.records").tags("outcome", "tombstone").counters().stream()
          .mapToDouble(c -> c.count()).sum(), "raw tombstones skipped and counted");
      waitFor(() -> p.correlate().stats().tombstones() == 1, "the events topic's tombstone counted");
      // the sink reads the events topic too (write.events): its tombstone, the alarms' and the links'
      waitFor(() -> meters.get("ksiem.tombstones").tag("stage", "alarms").counter().count() == 3,
          "the sink's tombstones counted");
      // still running after all of it, never restarted
      assertEquals(org.apache.kafka.streams.KafkaStreams.State.RUNNING, p.ingest().streams().state());
      assertEquals(org.apache.kafka.streams.KafkaStreams.State.RUNNING, p.correlate().streams().state());
      assertTrue(p.alarms().isAlive());

      // an attack afterwards raises its alarms as replay says, with their risk
      List<String> scan = PipelineFixture.example("dsiem.jsonl").stream().filter(l -> l.contains("fw-scan-"))
          .map(l -> l.replace("\"fw-scan-", "\"dlq-fw-scan-")).toList();
      for (String l : scan) {
        assertEquals(200, PipelineFixture.post(p.ingest().httpPort(), l));
      }
      List<io.ksiem.schemas.NormalizedEvent> events = f.events("dlq-fw-scan-", scan.size(), Duration.ofSeconds(60));
      PipelineFixture.Expected expected = f.replay(events);
      assertTrue(!expected.alarms().isEmpty() && expected.alarms().values().stream()
          .allMatch(a -> a.path("risk").asInt() >= 1), "the scan raises alarms with risk: " + expected.alarms());
      PipelineFixture.assertElasticsearchHolds(SharedServers.elasticsearch().url(), expected, Duration.ofSeconds(60),
          "dlq-fw-scan-");
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(done.getAsBoolean(), what);
  }

  private static String describe(ConsumerRecord<byte[], byte[]> r) {
    StringBuilder b = new StringBuilder();
    for (Header h : r.headers()) {
      if (h.key().contains("stacktrace")) {
        continue;
      }
      b.append(h.key()).append('=').append(h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8))
          .append("; ");
    }
    return b.toString();
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, int n) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      // anything beyond what was sent would be a fault too
      long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < settle) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
