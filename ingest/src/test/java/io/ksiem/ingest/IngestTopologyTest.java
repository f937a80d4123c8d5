package io.ksiem.ingest;

import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.SharedServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** The ingest topology on TopologyTestDriver, with a real schema registry for the Avro serde. */
class IngestTopologyTest {
  @Test
  void rawRecordsBecomeEventsOrDeadLetters() throws Exception {
    Topics topics = new Topics("ttd-ingest.", new SchemaRegistryClient(SharedServers.registryUrl()));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (TopologyTestDriver ttd = new TopologyTestDriver(IngestTopology.build(topics, IngestApp.builtInSources(),
        io.ksiem.event.TimeBounds.defaults(), UpstreamPositions.UNKNOWN, meters), settings("ttd-ingest"))) {
      TestInputTopic<byte[], byte[]> suricata = ttd.createInputTopic(topics.raw("suricata").name(),
          (t, b) -> b, (t, b) -> b);
      TestInputTopic<byte[], byte[]> dsiem = ttd.createInputTopic(topics.raw("dsiem").name(), (t, b) -> b,
          (t, b) -> b);
      TestOutputTopic<String, NormalizedEvent> events = ttd.createOutputTopic(topics.events.name(),
          topics.events.keySerde().deserializer(), topics.events.valueSerde().deserializer());
      TestOutputTopic<byte[], byte[]> dead = ttd.createOutputTopic(topics.deadLetter.name(), (t, b) -> b,
          (t, b) -> b);

      for (String line : MappingTest.lines("suricata.jsonl")) {
        suricata.pipeInput(new TestRecord<>(null, line.getBytes(StandardCharsets.UTF_8), null,
            Instant.parse("2026-01-05T12:00:00Z")));
      }
      var out = events.readRecordsToList();
      assertEquals(2, out.size());
      var first = out.get(0);
      assertEquals(first.value().getEventId(), first.key());
      assertEquals(2100384, first.value().getPluginSid());
      assertEquals("suricata", first.value().getSource());
      assertEquals(Instant.parse("2026-01-05T10:00:00Z").toEpochMilli(), first.timestamp(),
          "the record timestamp is the event time");
      assertEquals(Instant.parse("2026-01-05T12:00:00Z"), first.value().getReceivedAt());

      byte[] garbage = {(byte) 0xff, 'x'};
      RecordHeaders shipper = new RecordHeaders();
      shipper.add("shipper", "vector".getBytes(StandardCharsets.UTF_8));
      dsiem.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), garbage, shipper, Instant.now()));
      dsiem.pipeInput(new TestRecord<>(null, "{\"event_id\":\"e\",\"timestamp\":\"2026-01-05T10:00:00Z\"}"
          .getBytes(StandardCharsets.UTF_8)));
      var dl = dead.readRecordsToList();
      assertEquals(2, dl.size());
      assertEquals("k", new String(dl.get(0).key(), StandardCharsets.UTF_8));
      assertTrue(java.util.Arrays.equals(garbage, dl.get(0).value()), "the original bytes");
      assertEquals("vector", new String(dl.get(0).headers().lastHeader("shipper").value(), StandardCharsets.UTF_8),
          "the original headers");
      assertTrue(header(dl.get(0), Topics.HEADER_REASON).startsWith("not JSON"));
      assertEquals(topics.raw("dsiem").name(), header(dl.get(0), Topics.HEADER_SOURCE_TOPIC));
      assertEquals("0", header(dl.get(0), Topics.HEADER_SOURCE_OFFSET));
      assertEquals("sensor is empty", header(dl.get(1), Topics.HEADER_REASON));
      assertEquals("1", header(dl.get(1), Topics.HEADER_SOURCE_OFFSET));
      assertEquals(1.0, meters.get("ksiem.ingest.records").tags("source", "suricata", "outcome", "skipped")
          .counter().count());
      assertEquals(2.0, meters.get("ksiem.ingest.records").tags("source", "dsiem", "outcome", "dead-lettered")
          .counter().count());
      assertTrue(events.isEmpty());
    }
  }

  /**
   * Tombstones are counted and skipped; an event dated before 1970 or far ahead is a dead letter with the reason and
   * writes no event (Kafka would refuse its negative timestamp, and the far one would move the clock); the app goes on.
   * A raw partition with nothing unread declares so on its events partition, after what it wrote there.
   */
  @Test
  void tombstonesAndOutOfBoundsTimesAndIdleDeclarations() throws Exception {
    Topics topics = new Topics("ttd-ingest2.", new SchemaRegistryClient(SharedServers.registryUrl()));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    java.util.concurrent.atomic.AtomicLong end = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    UpstreamPositions upstream = new UpstreamPositions() {
      @Override
      public boolean caughtUp(org.apache.kafka.common.TopicPartition tp, long next) {
        return tp.topic().equals(topics.raw("dsiem").name()) && next >= end.get();
      }

      @Override
      public int feedersWith(int rawPartition) {
        return 3;
      }
    };
    try (TopologyTestDriver ttd = new TopologyTestDriver(IngestTopology.build(topics,
        java.util.List.of(new DsiemNormalizer()), new io.ksiem.event.TimeBounds(300), upstream, meters),
        settings("ttd-ingest2"))) {
      TestInputTopic<byte[], byte[]> dsiem = ttd.createInputTopic(topics.raw("dsiem").name(), (t, b) -> b,
          (t, b) -> b);
      TestOutputTopic<String, NormalizedEvent> events = ttd.createOutputTopic(topics.events.name(),
          topics.events.keySerde().deserializer(), topics.events.valueSerde().deserializer());
      TestOutputTopic<byte[], byte[]> dead = ttd.createOutputTopic(topics.deadLetter.name(), (t, b) -> b,
          (t, b) -> b);
      String ok = "{\"event_id\":\"E\",\"timestamp\":\"T\",\"sensor\":\"s\",\"src_ip\":\"1.2.3.4\","
          + "\"dst_ip\":\"10.0.0.1\",\"plugin_id\":1,\"plugin_sid\":1}";
      dsiem.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), null));
      for (String t : new String[] {"1969-12-31T23:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
          "2099-01-01T00:00:00Z"}) {
        dsiem.pipeInput(new TestRecord<>(null, ok.replace("E", "bad-" + t).replace("T", t)
            .getBytes(StandardCharsets.UTF_8)));
      }
      dsiem.pipeInput(new TestRecord<>(null, ok.replace("E", "good").replace("T", "2026-01-05T10:00:00Z")
          .getBytes(StandardCharsets.UTF_8)));
      assertEquals(1.0, meters.get("ksiem.ingest.records").tags("source", "dsiem", "outcome", "tombstone")
          .counter().count());
      var dl = dead.readRecordsToList();
      assertEquals(4, dl.size());
      assertTrue(header(dl.get(0), Topics.HEADER_REASON).contains("before 1970"), header(dl.get(0),
          Topics.HEADER_REASON));
      assertTrue(header(dl.get(1), Topics.HEADER_REASON).contains("before 1970"));
      assertTrue(header(dl.get(2), Topics.HEADER_REASON).contains("max.future"));
      assertTrue(header(dl.get(3), Topics.HEADER_REASON).contains("max.future"));
      var out = events.readRecordsToList();
      assertEquals(1, out.size());
      assertEquals("good", out.get(0).key());
      // every event names its feeder and how many feeders its events partition has
      assertEquals("dsiem/0", new String(out.get(0).headers().lastHeader(Topics.HEADER_FEEDER).value(),
          StandardCharsets.UTF_8));
      assertEquals("3", new String(out.get(0).headers().lastHeader(Topics.HEADER_FEEDERS).value(),
          StandardCharsets.UTF_8));

      // not caught up (offset 6 of 7 processed, say): nothing is declared
      end.set(7);
      ttd.advanceWallClockTime(java.time.Duration.ofSeconds(2));
      assertTrue(events.isEmpty(), "no declaration while a record is unread");
      end.set(6);
      ttd.advanceWallClockTime(java.time.Duration.ofSeconds(1));
      var declared = events.readRecordsToList();
      assertEquals(1, declared.size());
      assertTrue(Topics.isIdleDeclaration(declared.get(0).key()), declared.get(0).key());
      assertEquals(Topics.IDLE_KEY_PREFIX + "dsiem/0", declared.get(0).key());
      assertEquals(null, declared.get(0).value());
      assertEquals("3", new String(declared.get(0).headers().lastHeader(Topics.HEADER_FEEDERS).value(),
          StandardCharsets.UTF_8));
    }
  }

  private static Properties settings(String app) throws java.io.IOException {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("ttd").toString());
    return p;
  }

  private static String header(TestRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
