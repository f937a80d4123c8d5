package io.ksiem.correlate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.alarm.AlarmJson;
import io.ksiem.asset.Asset;
import io.ksiem.asset.Cidr;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.directive.Directive;
import io.ksiem.engine.Fixtures;
import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import io.ksiem.runtime.EventRecords;
import io.ksiem.scenario.Scenario;
import io.ksiem.scenario.ScenarioRun;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.SharedServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** The correlate topology on TopologyTestDriver, with a real schema registry for the Avro serdes. */
class CorrelateTopologyTest {
  // the test driver runs one task per sub-topology: partition 0 of every topic
  private static final int PARTITIONS = 1;
  private static Topics topics;

  @BeforeAll
  static void registry() throws Exception {
    topics = new Topics("ttd.", new SchemaRegistryClient(SharedServers.registryUrl()));
  }

  /** A driver around a fresh topology and state directory. */
  static final class Driver implements AutoCloseable {
    final TopologyTestDriver ttd;
    final TestInputTopic<String, String> directives;
    final TestInputTopic<String, String> assets;
    final TestInputTopic<String, NormalizedEvent> events;
    final TestOutputTopic<String, Alarm> alarms;
    final TestOutputTopic<String, AlarmEvent> links;
    final TestOutputTopic<byte[], byte[]> deadLetter;

    final TestInputTopic<String, NormalizedEvent> routed;
    final TestOutputTopic<String, NormalizedEvent> late;
    final CorrelateStats stats = new CorrelateStats();
    /** The driver's wall clock, which stamps what the router and ingest make (they stamp with theirs). */
    private Instant wall = Instant.ofEpochSecond(Fixtures.T0);

    Driver(CorrelationOptions options, Duration idle) throws Exception {
      this(options, idle, 1);
    }

    Driver(CorrelationOptions options, Duration idle, int sources) throws Exception {
      this(options, idle, sources, Duration.ofDays(1));
    }

    /**
     * {@code sources}: partitions of the events topic; the driver itself reads partition 0 only. The driver's wall
     * clock starts at T0 and the scenarios' events run for hours from there: the time bounds allow ten years ahead.
     */
    Driver(CorrelationOptions options, Duration idle, int sources, Duration maxWait) throws Exception {
      Properties p = new Properties();
      p.put(StreamsConfig.APPLICATION_ID_CONFIG, "ttd-correlate");
      p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
      p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("ttd-state").toString());
      ttd = new TopologyTestDriver(CorrelateTopology.build(topics, new Catalog(PARTITIONS),
          new CorrelateTopology.Options(PARTITIONS, sources, options, idle, maxWait,
              new io.ksiem.event.TimeBounds(10L * 365 * 86400), stats)), p, Instant.ofEpochSecond(Fixtures.T0));
      directives = ttd.createInputTopic(topics.directives.name(), topics.directives.keySerde().serializer(),
          topics.directives.valueSerde().serializer());
      assets = ttd.createInputTopic(topics.assets.name(), topics.assets.keySerde().serializer(),
          topics.assets.valueSerde().serializer());
      events = ttd.createInputTopic(topics.events.name(), topics.events.keySerde().serializer(),
          topics.events.valueSerde().serializer());
      alarms = ttd.createOutputTopic(topics.alarms.name(), topics.alarms.keySerde().deserializer(),
          topics.alarms.valueSerde().deserializer());
      links = ttd.createOutputTopic(topics.alarmEvents.name(), topics.alarmEvents.keySerde().deserializer(),
          topics.alarmEvents.valueSerde().deserializer());
      deadLetter = ttd.createOutputTopic(topics.deadLetter.name(), topics.deadLetter.keySerde().deserializer(),
          topics.deadLetter.valueSerde().deserializer());
      routed = ttd.createInputTopic("ttd-correlate-" + CorrelateTopology.ROUTED + "-repartition",
          topics.events.keySerde().serializer(), topics.events.valueSerde().serializer());
      late = ttd.createOutputTopic(topics.lateEvents.name(), topics.lateEvents.keySerde().deserializer(),
          topics.lateEvents.valueSerde().deserializer());
    }

    /** Moves the driver's wall clock on. */
    void advance(Duration d) {
      ttd.advanceWallClockTime(d);
      wall = wall.plus(d);
    }

    /** What the router of events partition {@code source} sends once every feeder has declared it idle. */
    void idle(int source) {
      idle(source, wall);
    }

    /** An idle record its router made at {@code made}: earlier than now when a task reads it from a backlog. */
    void idle(int source, Instant made) {
      routed.pipeInput(new TestRecord<>(RouterProcessor.IDLE_KEY + source, null, null, made));
    }

    /** An idle record made now, for declarations the broker appended from {@code since} (epoch ms) on. */
    void idleSince(int source, long since) {
      routed.pipeInput(new TestRecord<>(RouterProcessor.IDLE_KEY + source, null, appendedHeader(since), wall));
    }

    /** A clock record for a record the broker appended at {@code appended} (epoch ms). */
    void clock(int source, long offset, long appended) {
      routed.pipeInput(new TestRecord<>(RouterProcessor.CLOCK_KEY + source, null, appendedHeader(appended),
          Instant.ofEpochSecond(Fixtures.T0 + offset)));
    }

    long wallMillis() {
      return wall.toEpochMilli();
    }

    private static org.apache.kafka.common.header.Headers appendedHeader(long at) {
      org.apache.kafka.common.header.internals.RecordHeaders h =
          new org.apache.kafka.common.header.internals.RecordHeaders();
      h.add(Topics.HEADER_APPENDED, Long.toString(at).getBytes(StandardCharsets.UTF_8));
      return h;
    }

    /** {@code seconds} of wall clock with the router repeating events partition {@code source}'s idle record. */
    void idleFor(int source, int seconds) {
      for (int s = 0; s < seconds; s++) {
        idle(source);
        advance(Duration.ofSeconds(1));
      }
    }

    /** {@code seconds} of wall clock with raw partition 0 of each of {@code sources} declaring every second. */
    void declaredFor(int seconds, String... sources) {
      for (int s = 0; s < seconds; s++) {
        for (String source : sources) {
          declare(source, 0, sources.length);
        }
        advance(Duration.ofSeconds(1));
      }
    }

    /** What ingest writes on the events topic while raw partition {@code raw} of {@code source} has nothing unread. */
    void declare(String source, int raw, int feeders) {
      declare(source, raw, feeders, wall);
    }

    /** A declaration the broker appended at {@code appended}: earlier than now when a router reads a backlog. */
    void declare(String source, int raw, int feeders, Instant appended) {
      org.apache.kafka.common.header.internals.RecordHeaders h =
          new org.apache.kafka.common.header.internals.RecordHeaders();
      h.add(Topics.HEADER_FEEDERS, Integer.toString(feeders).getBytes(StandardCharsets.UTF_8));
      events.pipeInput(new TestRecord<>(Topics.IDLE_KEY_PREFIX + source + "/" + raw, null, h, appended));
    }

    /** What the router of events partition {@code source} sends when its event time reaches T0 + offset. */
    void clock(int source, long offset) {
      routed.pipeInput(new TestRecord<>(RouterProcessor.CLOCK_KEY + source, null, null,
          Instant.ofEpochSecond(Fixtures.T0 + offset)));
    }

    /** An event as routed from one of the events partitions (its clock record comes separately). */
    void route(Event e) {
      routed.pipeInput(new TestRecord<>(e.eventId, EventRecords.toAvro(e, 0, "test"), null,
          Instant.ofEpochSecond(e.time)));
    }

    final java.util.Map<Integer, String> pushed = new java.util.HashMap<>();

    /** As `ksiem directives push` does: a changed directive's record carries its earlier versions. */
    void push(List<Directive> list) {
      for (Directive d : list) {
        String value = ControlRecords.directiveValue(d, ControlRecords.group(d, ControlRecords.GroupBy.ID, 64),
            pushed.get(d.id));
        pushed.put(d.id, value);
        directives.pipeInput(Integer.toString(d.id), value);
      }
    }

    /** An event as ingest's task for raw partition 0 of dsiem writes it. */
    void send(Event e) {
      send(e, "dsiem/0");
    }

    void send(Event e, String feeder) {
      send(e, feeder, 0);
    }

    /** As ingest writes it: the feeder, and (when {@code feeders} > 0) how many feeders the partition has. */
    void send(Event e, String feeder, int feeders) {
      org.apache.kafka.common.header.internals.RecordHeaders h =
          new org.apache.kafka.common.header.internals.RecordHeaders();
      h.add(Topics.HEADER_FEEDER, feeder.getBytes(StandardCharsets.UTF_8));
      if (feeders > 0) {
        h.add(Topics.HEADER_FEEDERS, Integer.toString(feeders).getBytes(StandardCharsets.UTF_8));
      }
      events.pipeInput(new TestRecord<>(e.eventId, EventRecords.toAvro(e, 0, "test"), h,
          Instant.ofEpochSecond(e.time)));
    }

    List<String> alarmLines() {
      List<String> out = new ArrayList<>();
      alarms.readValuesToList().forEach(a -> out.add(AlarmJson.toJson(AlarmRecords.fromAvro(a))));
      return out;
    }

    List<String> linkLines() {
      List<String> out = new ArrayList<>();
      links.readValuesToList().forEach(l -> out.add(AlarmJson.toJson(AlarmRecords.fromAvro(l))));
      return out;
    }

    @Override
    public void close() {
      ttd.close();
    }
  }

  static Stream<String> scenarios() {
    return Scenario.names().stream();
  }

  /**
   * Every acceptance scenario through the topology (router, routed topic, correlation task): the output is
   * what the scenario expects.
   */
  @ParameterizedTest
  @MethodSource("scenarios")
  void scenarioThroughTheTopology(String name) throws Exception {
    Scenario s = Scenario.load(name);
    ScenarioRun run = new ScenarioRun(s);
    try (Driver d = new Driver(s.correlationOptions(), Duration.ofDays(365))) {
      d.push(run.directives);
      for (Asset a : assetList(s)) {
        d.assets.pipeInput(a.cidr().toString(), ControlRecords.assetValue(a));
      }
      EventParser parser = new EventParser();
      for (String line : s.inputLines()) {
        EventParser.Result r = parser.parse(line);
        if (r.ok()) {
          d.send(r.event());
        }
      }
      if (s.until() != null) {
        // an event that matches nothing moves every task's clock, as replay's --until does
        Event tick = Fixtures.event("until", 0, "192.0.2.1", "192.0.2.2", 999_999_999, 1);
        tick.timestamp = s.until();
        tick.time = io.ksiem.event.Rfc3339.toEpochSecond(s.until());
        d.send(tick);
      }
      List<String> diffs = s.compare(d.alarmLines(), d.linkLines(), null, false);
      assertTrue(diffs.isEmpty(), String.join("\n", diffs));
    }
  }

  private static List<Asset> assetList(Scenario s) {
    List<Asset> out = new ArrayList<>();
    for (var a : s.root.get("assets").path("assets")) {
      Cidr c = Cidr.parse(a.path("cidr").asText());
      if (c != null && a.path("value").asInt() != 0) {
        out.add(new Asset(a.path("name").asText(), c, a.path("value").asInt(), a.path("whitelisted").asBoolean()));
      }
    }
    return out;
  }

  @Test
  void anInvalidEventIsADeadLetterWithItsReason() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10))) {
      d.push(Fixtures.load(Fixtures.directive(1, "d", 3, Fixtures.rule(1, 10, 1), Fixtures.rule(2, 10, 2))));
      Event e = Fixtures.event("bad", 0, "10.0.0.1", "10.0.0.2", 10, 1);
      e.timestamp = "2026-01-05 10:00:00";
      e.time = Fixtures.T0;
      d.send(e);
      var dead = d.deadLetter.readRecord();
      assertEquals("bad", new String(dead.key(), StandardCharsets.UTF_8));
      String reason = new String(dead.headers().lastHeader(Topics.HEADER_REASON).value(), StandardCharsets.UTF_8);
      assertTrue(reason.contains("not RFC 3339"), reason);
      NormalizedEvent back = topics.events.valueSerde().deserializer()
          .deserialize(topics.events.name(), dead.value());
      assertEquals("2026-01-05 10:00:00", back.getTimestamp());
      assertTrue(d.alarms.isEmpty());
    }
  }

  /** Stages 1 and 2 done at T0 and T0+1 (stage 3 has 60 s from T0+1), through the events topic. */
  private static void twoOfThreeStagesOnOnePartition(Driver d) {
      ObjectNode r2 = Fixtures.rule(2, 10, 2);
      r2.put("timeout", 30);
      d.push(Fixtures.load(Fixtures.directive(1, "d", 5, Fixtures.rule(1, 10, 1), r2,
          Fixtures.rule(3, 10, 3))));
      d.assets.pipeInput("10.0.0.0/8", "{\"name\":\"lan\",\"cidr\":\"10.0.0.0/8\",\"value\":5}");
      d.send(Fixtures.event("e1", 0, "10.0.0.1", "10.0.0.2", 10, 1));
      d.send(Fixtures.event("e2", 1, "10.0.0.1", "10.0.0.2", 10, 2));
  }

  /**
   * Once ingest has declared the events partition idle, the wall-clock punctuator moves the clock on, so a backlog
   * still expires; silence alone does not.
   */
  @Test
  void aQuietPartitionDeclaredIdleStillExpiresBacklogs() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10), 1, Duration.ofMinutes(5))) {
      twoOfThreeStagesOnOnePartition(d);
      List<Alarm> before = d.alarms.readValuesToList();
      assertEquals(2, before.size());
      d.declaredFor(20, "dsiem", "suricata");
      assertTrue(d.alarms.isEmpty(), "not yet: stage 3 has 60 s");
      d.declaredFor(60, "dsiem", "suricata");
      List<Alarm> after = d.alarms.readValuesToList();
      assertEquals(1, after.size());
      assertEquals("timeout", after.get(0).getRules().get(2).getStatus());
    }
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10), 1, Duration.ofMinutes(5))) {
      twoOfThreeStagesOnOnePartition(d);
      assertEquals(2, d.alarms.readValuesToList().size());
      d.advance(Duration.ofSeconds(120));
      assertTrue(d.alarms.isEmpty(), "silent for 2 minutes but not declared idle: ingest may be paused");
      Instant before = Instant.ofEpochSecond(Fixtures.T0 + 20);
      d.declare("dsiem", 0, 2, before);
      d.declare("suricata", 0, 2, before);
      d.advance(Duration.ofSeconds(1));
      assertTrue(d.alarms.isEmpty(), "declarations read from a backlog, appended 100 s ago: they say nothing of now");
      d.declare("dsiem", 0, 2);
      d.advance(Duration.ofSeconds(1));
      assertTrue(d.alarms.isEmpty(), "one of the two feeders declared: still not idle");
      d.declare("suricata", 0, 2);
      d.advance(Duration.ofSeconds(1));
      assertEquals(1, d.alarms.readValuesToList().size(),
          "idle: the clock follows the wall clock from the last event, 122 s on, past the deadline T0+61");
    }
  }

  /**
   * Three stages, the third with 30 s from the second's event: its deadline is T0 + 31 for events at T0, T0+1 (both
   * events partitions at T0+1).
   */
  private static void twoStagesDone(Driver d) {
    ObjectNode r3 = Fixtures.rule(3, 10, 3);
    r3.put("timeout", 30);
    d.push(Fixtures.load(Fixtures.directive(1, "d", 5, Fixtures.rule(1, 10, 1), Fixtures.rule(2, 10, 2), r3)));
    d.assets.pipeInput("10.0.0.0/8", "{\"name\":\"lan\",\"cidr\":\"10.0.0.0/8\",\"value\":5}");
    d.clock(0, 0);
    d.clock(1, 0);
    d.route(Fixtures.event("e1", 0, "10.0.0.1", "10.0.0.2", 10, 1));
    d.clock(0, 1);
    d.clock(1, 1);
    d.route(Fixtures.event("e2", 1, "10.0.0.1", "10.0.0.2", 10, 2));
    assertEquals(2, d.alarms.readValuesToList().size());
    assertEquals(2, d.links.readValuesToList().size());
  }

  /**
   * Two events partitions feed the task: a backlog expires only once both have passed its deadline, and an event
   * from the partition ahead waits until the other has caught up, then no longer joins a backlog whose deadline it
   * is past.
   */
  @Test
  void theClockIsTheLowestOfTheEventsPartitions() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofDays(1), 2)) {
      twoStagesDone(d);
      d.clock(0, 100);
      assertTrue(d.alarms.isEmpty(), "partition 1 is at T0+1: it holds the task's clock back");
      d.clock(0, 50);
      d.route(Fixtures.event("late", 50, "10.0.0.1", "10.0.0.2", 10, 3));
      d.clock(1, 20);
      assertTrue(d.alarms.isEmpty(), "partition 1 is at T0+20, before the deadline");
      d.clock(1, 40);
      List<Alarm> expired = d.alarms.readValuesToList();
      assertEquals(1, expired.size());
      assertEquals("timeout", expired.get(0).getRules().get(2).getStatus());
      d.clock(1, 60);
      assertTrue(d.links.isEmpty(), "T0+50 is past the stage's deadline: the backlog did not take it");
    }
  }

  /** An event from the partition ahead waits for the other partition, so events meet in time order. */
  @Test
  void anEventAheadWaitsForTheOtherPartitions() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofDays(1), 2)) {
      d.push(Fixtures.load(Fixtures.directive(1, "d", 5, Fixtures.rule(1, 10, 1), Fixtures.rule(2, 10, 2))));
      d.assets.pipeInput("10.0.0.0/8", "{\"name\":\"lan\",\"cidr\":\"10.0.0.0/8\",\"value\":5}");
      d.clock(0, 60);
      d.route(Fixtures.event("second", 60, "10.0.0.1", "10.0.0.2", 10, 2));
      d.clock(1, 10);
      d.route(Fixtures.event("first", 10, "10.0.0.1", "10.0.0.2", 10, 1));
      assertEquals(List.of("first"), d.links.readValuesToList().stream().map(AlarmEvent::getEventId).toList(),
          "the event at T0+60 waits");
      d.clock(1, 61);
      assertEquals(List.of("second"), d.links.readValuesToList().stream().map(AlarmEvent::getEventId).toList());
      List<Alarm> a = d.alarms.readValuesToList();
      assertEquals("finished", a.get(a.size() - 1).getRules().get(1).getStatus(), "in time order it completes");
    }
  }

  /**
   * A partition declared idle before it ever had an event lets the others move the clock only over what was
   * appended before its declaration: its first events may have been written since (a bulk that starts while its
   * declaration is on its way), and a clock moved past them would make them late.
   */
  @Test
  void aPartitionIdleWithNoEventYetHoldsTheClockForWhatWasAppendedAfterItsDeclaration() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10), 3, Duration.ofMinutes(5))) {
      long declared = d.wallMillis();
      d.idleSince(2, declared);
      twoStagesDone(d);
      d.clock(0, 100, declared + 1000);
      d.clock(1, 100, declared + 1000);
      d.advance(Duration.ofSeconds(1));
      assertTrue(d.alarms.isEmpty(), "partitions 0 and 1 moved on by records appended after partition 2's "
          + "declaration: it holds the clock");
      d.idleSince(2, declared + 2000);
      d.advance(Duration.ofSeconds(1));
      List<Alarm> expired = d.alarms.readValuesToList();
      assertEquals(1, expired.size(), "declared again since: the clock is at T0+100, past stage 3's deadline");
      assertEquals("timeout", expired.get(0).getRules().get(2).getStatus());
    }
  }

  /**
   * An events partition that is silent holds the clock back, however long, until it is declared idle or
   * {@code max.wait} (here 60 s) has passed; a declared-idle one follows the wall clock after the idle time (10 s).
   */
  @Test
  void aSilentEventsPartitionHoldsTheClockUntilDeclaredIdleOrMaxWait() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10), 2, Duration.ofSeconds(60))) {
      twoStagesDone(d);
      d.clock(0, 100);
      d.advance(Duration.ofSeconds(30));
      assertTrue(d.alarms.isEmpty(), "partition 1 has been silent for 30 s (a paused ingest, say): it holds");
      d.idle(1);
      d.advance(Duration.ofSeconds(1));
      List<Alarm> expired = d.alarms.readValuesToList();
      assertEquals(1, expired.size(), "declared idle: partition 1 follows the wall clock from T0+1, 31 s on");
      assertEquals("timeout", expired.get(0).getRules().get(2).getStatus());
    }
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10), 2, Duration.ofSeconds(60))) {
      // after a failover: the idle record comes from a backlog, made while this task's router was down
      twoStagesDone(d);
      d.clock(0, 100);
      d.advance(Duration.ofSeconds(30));
      d.idle(1, Instant.ofEpochSecond(Fixtures.T0 + 5));
      d.advance(Duration.ofSeconds(1));
      assertTrue(d.alarms.isEmpty(), "an idle record made 26 s ago: partition 1 may have had events since; it holds");
      d.idle(1);
      d.advance(Duration.ofSeconds(1));
      assertEquals(1, d.alarms.readValuesToList().size(), "a fresh one: partition 1 follows the wall clock");
    }
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10), 2, Duration.ofSeconds(60))) {
      twoStagesDone(d);
      d.clock(0, 100);
      d.idleFor(1, 5);
      assertTrue(d.alarms.isEmpty(), "declared idle, but it stays at T0+1 until quiet for the idle time (10 s)");
      d.idleFor(1, 20);
      assertTrue(d.alarms.isEmpty(), "quiet for 25 s: at T0+26, before the deadline T0+31");
      d.idleFor(1, 7);
      assertEquals(1, d.alarms.readValuesToList().size(), "at T0+33: expired");
    }
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10), 2, Duration.ofSeconds(60))) {
      twoStagesDone(d);
      d.clock(0, 100);
      d.idleFor(1, 8);
      d.advance(Duration.ofSeconds(30));
      assertTrue(d.alarms.isEmpty(), "its declarations stopped (a paused ingest): partition 1 holds the clock again");
    }
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10), 2, Duration.ofSeconds(60))) {
      twoStagesDone(d);
      d.clock(0, 100);
      d.advance(Duration.ofSeconds(55));
      assertTrue(d.alarms.isEmpty(), "55 s of silence: still held");
      d.clock(0, 101);
      d.advance(Duration.ofSeconds(6));
      List<Alarm> expired = d.alarms.readValuesToList();
      assertEquals(1, expired.size(), "partition 1 silent for max.wait: passed over, partition 0 is at T0+101");
    }
  }

  /**
   * An event behind the task's clock by more than the 5 s tolerance is late: it is still correlated (here it starts
   * a backlog and is linked), counted per task and group, and written to the late-events topic with how late.
   */
  @Test
  void aLateEventIsCorrelatedCountedAndWrittenOut() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofDays(1))) {
      d.push(Fixtures.load(Fixtures.directive(1, "d", 5, Fixtures.rule(1, 10, 1), Fixtures.rule(2, 10, 2))));
      d.assets.pipeInput("10.0.0.0/8", "{\"name\":\"lan\",\"cidr\":\"10.0.0.0/8\",\"value\":5}");
      d.send(Fixtures.event("now", 100, "10.0.0.9", "10.0.0.8", 999, 1));
      d.send(Fixtures.event("ontime", 96, "10.0.0.1", "10.0.0.2", 10, 1));
      assertTrue(d.late.isEmpty(), "4 s behind is within the tolerance");
      d.send(Fixtures.event("old", 40, "10.0.0.3", "10.0.0.2", 10, 1));
      var late = d.late.readRecordsToList();
      assertEquals(1, late.size());
      assertEquals("old", late.get(0).key());
      assertEquals("old", late.get(0).value().getEventId());
      assertEquals("60", new String(late.get(0).headers().lastHeader(Topics.HEADER_LATE_SECONDS).value(),
          StandardCharsets.UTF_8));
      assertEquals("g1", new String(late.get(0).headers().lastHeader(Topics.HEADER_LATE_GROUPS).value(),
          StandardCharsets.UTF_8));
      assertEquals(1, d.stats.lateEvents());
      assertEquals(java.util.Map.of("0/g1", 1L), d.stats.lateByTaskAndGroup());
      assertTrue(d.links.readValuesToList().stream().anyMatch(l -> l.getEventId().equals("old")),
          "the late event is still correlated");
    }
  }

  /**
   * On the events topic: the partition is idle only once every feeder has declared it since its last event; a
   * tombstone is skipped and counted; an event before 1970 or far ahead of the wall clock is a dead letter.
   */
  @Test
  void theRouterPassesOnDeclarationsAndRefusesWhatIsNotAnEvent() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofSeconds(10), 1, Duration.ofDays(1))) {
      ObjectNode r2 = Fixtures.rule(2, 10, 2);
      r2.put("timeout", 30);
      d.push(Fixtures.load(Fixtures.directive(1, "d", 5, Fixtures.rule(1, 10, 1), r2, Fixtures.rule(3, 10, 3))));
      d.assets.pipeInput("10.0.0.0/8", "{\"name\":\"lan\",\"cidr\":\"10.0.0.0/8\",\"value\":5}");
      d.send(Fixtures.event("e1", 0, "10.0.0.1", "10.0.0.2", 10, 1));
      d.send(Fixtures.event("e2", 1, "10.0.0.1", "10.0.0.2", 10, 2));
      assertEquals(2, d.alarms.readValuesToList().size());
      d.declare("dsiem", 0, 2);
      // an event after one declaration: that feeder must declare again
      d.send(Fixtures.event("e3", 1, "10.0.0.7", "10.0.0.2", 10, 1));
      d.declare("suricata", 0, 2);
      d.advance(Duration.ofSeconds(200));
      assertTrue(d.alarms.readValuesToList().size() == 1, "only e3's own alarm: the partition is not idle yet");
      d.declare("dsiem", 0, 2);
      d.declaredFor(200, "dsiem", "suricata");
      assertTrue(d.alarms.readValuesToList().stream().anyMatch(a -> a.getRules().stream()
          .anyMatch(r -> r.getStatus().equals("timeout"))), "both declared since e3: the clock follows the wall");

      d.links.readValuesToList();
      d.events.pipeInput(new TestRecord<>("gone", null, null, Instant.ofEpochSecond(Fixtures.T0)));
      assertEquals(1, d.stats.tombstones());
      for (String t : new String[] {"1969-12-31T23:00:00Z", "9999-12-31T23:59:59Z"}) {
        Event e = Fixtures.event("bad-" + t, 0, "10.0.0.1", "10.0.0.2", 10, 1);
        e.timestamp = t;
        e.time = io.ksiem.event.Rfc3339.toEpochSecond(t);
        d.events.pipeInput(new TestRecord<>(e.eventId, EventRecords.toAvro(e, 0, "test"), null,
            Instant.ofEpochSecond(Fixtures.T0)));
      }
      var dead = d.deadLetter.readRecordsToList();
      assertEquals(2, dead.size());
      assertTrue(new String(dead.get(0).headers().lastHeader(Topics.HEADER_REASON).value(), StandardCharsets.UTF_8)
          .contains("before 1970"));
      assertTrue(new String(dead.get(1).headers().lastHeader(Topics.HEADER_REASON).value(), StandardCharsets.UTF_8)
          .contains("max.future"));
      assertTrue(d.links.readValuesToList().isEmpty());
    }
  }

  /** Directive 1: stage 1 then stage 2 from the same source within 30 s, on the 10.0.0.0/8 assets. */
  private static void twoStagesIn30s(Driver d) throws Exception {
    ObjectNode r2 = Fixtures.rule(2, 10, 2);
    r2.put("timeout", 30);
    r2.put("from", ":1");
    d.push(Fixtures.load(Fixtures.directive(1, "d", 5, Fixtures.rule(1, 10, 1), r2)));
    d.assets.pipeInput("10.0.0.0/8", "{\"name\":\"lan\",\"cidr\":\"10.0.0.0/8\",\"value\":5}");
  }

  /**
   * Two feeders of one events partition (Suricata's and dsiem's ingest tasks, possibly on two instances): while one
   * is paused, the other's later events do not move the clock past the paused one's backlog, which completes when
   * its next event comes, on time.
   */
  @Test
  void aPausedFeederHoldsThePartitionWhileAnotherGoesOn() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofDays(1))) {
      twoStagesIn30s(d);
      d.send(Fixtures.event("s1", 0, "192.0.2.7", "10.0.0.2", 10, 1), "suricata/0");
      for (int t = 1; t <= 100; t++) {
        d.send(Fixtures.event("noise-" + t, t, "198.51.100.1", "10.0.0.3", 999, 1), "dsiem/0");
      }
      d.send(Fixtures.event("s2", 20, "192.0.2.7", "10.0.0.2", 10, 2), "suricata/0");
      assertTrue(d.late.isEmpty(), "the paused feeder's event is on time: the partition waited for it");
      List<Alarm> a = d.alarms.readValuesToList();
      assertEquals("finished", a.get(a.size() - 1).getRules().get(1).getStatus());
    }
  }

  /**
   * A router that has just started (a failover moved its task) and has seen one feeder of two: every event names
   * the count, so the router sends no progress until it has heard from the other, even while the partition is busy
   * and no feeder declares anything. Without the count, the busy feeder's events would move the clock 100 s past
   * the other feeder's backlog, and that feeder's events would be late.
   */
  @Test
  void aRouterThatHasNotSeenEveryFeederHoldsThePartitionUnderLoad() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofDays(1))) {
      twoStagesIn30s(d);
      for (int t = 1; t <= 100; t++) {
        d.send(Fixtures.event("noise-" + t, t, "198.51.100.1", "10.0.0.3", 999, 1), "dsiem/0", 2);
      }
      d.send(Fixtures.event("s1", 0, "192.0.2.7", "10.0.0.2", 10, 1), "suricata/0", 2);
      d.send(Fixtures.event("s2", 20, "192.0.2.7", "10.0.0.2", 10, 2), "suricata/0", 2);
      assertTrue(d.late.isEmpty(), "the unseen feeder's events are on time: " + d.late.readValuesToList());
      List<Alarm> a = d.alarms.readValuesToList();
      assertEquals("finished", a.get(a.size() - 1).getRules().get(1).getStatus());
    }
  }

  /**
   * Events that came before every feeder was known (the router sends no progress then) are released once the last
   * feeder declares, even when that makes every feeder idle at once.
   */
  @Test
  void eventsBeforeEveryFeederIsKnownAreReleasedWhenTheyAllDeclare() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofDays(1))) {
      d.push(Fixtures.load(Fixtures.directive(1, "d", 5, Fixtures.rule(1, 10, 1), Fixtures.rule(2, 10, 2))));
      d.assets.pipeInput("10.0.0.0/8", "{\"name\":\"lan\",\"cidr\":\"10.0.0.0/8\",\"value\":5}");
      d.declare("suricata", 0, 3);
      d.send(Fixtures.event("e1", 0, "10.0.0.1", "10.0.0.2", 10, 1));
      d.send(Fixtures.event("e2", 10, "10.0.0.1", "10.0.0.2", 10, 2));
      d.declare("dsiem", 0, 3);
      assertTrue(d.links.isEmpty(), "two of three feeders known: no progress, so both wait");
      d.declare("openssh", 0, 3);
      assertEquals(List.of("e1", "e2"), d.links.readValuesToList().stream().map(AlarmEvent::getEventId).toList(),
          "the third declares and all are idle: the partition's time goes out first, and releases them in order");
    }
  }

  /**
   * A flood of distinct sources against the cap of live backlogs per directive: the live backlogs stay at the cap,
   * the refused events are counted for the instance, and a backlog already live still completes its alarm.
   */
  @Test
  void aFloodOfSourcesStopsAtTheBacklogCapAndIsCounted() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults().withCaps(5, 1000, 20), Duration.ofDays(1))) {
      ObjectNode r2 = Fixtures.rule(2, 10, 2);
      r2.put("from", ":1");
      d.push(Fixtures.load(Fixtures.directive(1, "d", 5, Fixtures.rule(1, 10, 1), r2)));
      d.assets.pipeInput("10.0.0.0/8", "{\"name\":\"lan\",\"cidr\":\"10.0.0.0/8\",\"value\":5}");
      d.send(Fixtures.event("real-1", 0, "192.0.2.1", "10.0.0.2", 10, 1));
      for (int i = 0; i < 50; i++) {
        d.send(Fixtures.event("flood-" + i, 1, "198.51.100." + (i + 1), "10.0.0.2", 10, 1));
      }
      d.advance(Duration.ofSeconds(2));
      assertEquals(5, d.stats.liveBacklogs(), "the cap");
      assertEquals(46, d.stats.refusedBacklogs(), "51 sources, 5 live backlogs");
      d.alarms.readValuesToList();
      d.send(Fixtures.event("real-2", 2, "192.0.2.1", "10.0.0.2", 10, 2));
      List<Alarm> done = d.alarms.readValuesToList();
      assertEquals(1, done.size(), "only the attack live before the flood goes on");
      assertEquals(List.of("192.0.2.1"), done.get(0).getSrcIps());
      assertEquals("finished", done.get(0).getRules().get(1).getStatus(), "it completes");
    }
  }

  /** A changed directive: the live backlog finishes under the version it started with, new ones use the new one. */
  @Test
  void aLiveBacklogFinishesUnderItsDirectiveVersion() throws Exception {
    try (Driver d = new Driver(CorrelationOptions.defaults(), Duration.ofDays(1))) {
      d.assets.pipeInput("10.0.0.0/8", "{\"name\":\"lan\",\"cidr\":\"10.0.0.0/8\",\"value\":5}");
      d.push(Fixtures.load(Fixtures.directive(7, "v1", 5, Fixtures.rule(1, 10, 1), Fixtures.rule(2, 10, 2),
          Fixtures.rule(3, 10, 3))));
      d.send(Fixtures.event("a1", 0, "10.0.0.1", "10.0.0.2", 10, 1));
      String oldAlarm = d.alarms.readValuesToList().get(0).getAlarmId();
      // version 2: stage 2 now wants sid 20
      d.push(Fixtures.load(Fixtures.directive(7, "v2", 5, Fixtures.rule(1, 10, 1), Fixtures.rule(2, 10, 20),
          Fixtures.rule(3, 10, 3))));
      d.send(Fixtures.event("a2", 1, "10.0.0.1", "10.0.0.2", 10, 2));
      List<Alarm> a = d.alarms.readValuesToList();
      assertEquals(1, a.size(), "the old backlog advanced with sid 2 under v1");
      assertEquals(oldAlarm, a.get(0).getAlarmId());
      assertEquals("v1", a.get(0).getTitle());
      d.send(Fixtures.event("b1", 2, "10.0.0.9", "10.0.0.2", 10, 1));
      d.send(Fixtures.event("b2", 3, "10.0.0.9", "10.0.0.2", 10, 20));
      List<Alarm> b = d.alarms.readValuesToList();
      assertEquals(2, b.size(), "a new backlog starts under v2 and advances with sid 20");
      assertEquals("v2", b.get(1).getTitle());
      assertEquals(2, b.get(1).getRules().stream().filter(r -> r.getStatus().equals("finished")).count());
    }
  }

  @Test
  void eventsGoOnlyToThePartitionsOfMatchingGroups() {
    List<Directive> ds = new ArrayList<>();
    for (int id = 1; id <= 40; id++) {
      ds.addAll(Fixtures.load(Fixtures.directive(id, "d" + id, 3, Fixtures.rule(1, 100 + id, 1),
          Fixtures.rule(2, 100 + id, 2))));
    }
    var groups = new java.util.HashMap<Integer, String>();
    ds.forEach(d -> groups.put(d.id, ControlRecords.group(d, ControlRecords.GroupBy.ID, 64)));
    Catalog.Snapshot s = new Catalog.Snapshot(1, ds, groups, io.ksiem.asset.AssetSet.empty(), 8);
    Event e = Fixtures.event("x", 0, "10.0.0.1", "10.0.0.2", 117, 1);
    assertEquals(java.util.Set.of(Catalog.partitionOf("g17", 8)), s.route(e));
    assertTrue(s.route(Fixtures.event("y", 0, "10.0.0.1", "10.0.0.2", 999, 1)).isEmpty());
    int total = 0;
    for (int p = 0; p < 8; p++) {
      total += s.on(p).size();
    }
    assertEquals(40, total, "each directive lives on exactly one partition");
  }
}
