package io.ksiem.backlog;

import static io.ksiem.engine.Fixtures.assets;
import static io.ksiem.engine.Fixtures.directive;
import static io.ksiem.engine.Fixtures.event;
import static io.ksiem.engine.Fixtures.load;
import static io.ksiem.engine.Fixtures.rule;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.alarm.AlarmJson;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.alarm.CustomDataEntry;
import io.ksiem.asset.AssetSet;
import io.ksiem.directive.Directive;
import io.ksiem.engine.CapCounts;
import io.ksiem.engine.Engine;
import io.ksiem.engine.Fixtures;
import io.ksiem.event.Event;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The caps of CorrelationOptions against floods of distinct sources, destinations and custom data (docs/limits.md). */
class CapTest {
  /** Only 10/8 has value: flood traffic from 172.16/12 to 172.31/16 is worth nothing and never alarms. */
  private static final AssetSet ASSETS = assets("ten", "10.0.0.0/8", 5);
  private static final int CAP = 20;

  /** One backlog per source: stage 2 wants the first event's source again. Risk 4 after stage 1, 6 after 2. */
  private static ObjectNode perSource(int id, int pluginId) {
    return directive(id, "per source " + id, 4, rule(1, pluginId, 1),
        rule(2, pluginId, 2).put("from", ":1").put("reliability", 8).put("timeout", 600));
  }

  private static Engine engine(List<Directive> ds, Fixtures.Capture c, int backlogs, int addresses, int customData) {
    return new Engine(ds, ASSETS, CorrelationOptions.defaults().withCaps(backlogs, addresses, customData), c);
  }

  /** Distinct flood sources, 172.16.x.y. */
  private static String floodSource(int i) {
    return "172.16." + (i / 250) + "." + (i % 250 + 1);
  }

  private static List<String> linkedEvents(Fixtures.Capture c) {
    List<String> out = new ArrayList<>();
    c.links.forEach(l -> out.add(l.eventId()));
    return out;
  }

  /** Records holding arrays compare by reference; their JSON compares by value. */
  private static List<String> json(List<AlarmSnapshot> alarms) {
    return alarms.stream().map(AlarmJson::toJson).toList();
  }

  private static AlarmSnapshot last(Fixtures.Capture c) {
    return c.alarms.get(c.alarms.size() - 1);
  }

  @Test
  void aFloodOfDistinctSourcesStaysAtTheBacklogCapAndTheRestIsRefused() {
    var c = new Fixtures.Capture();
    Engine e = engine(load(perSource(1, 100), perSource(2, 200)), c, CAP, 1000, 100);
    int flood = 250;
    for (int i = 0; i < flood; i++) {
      e.process(event("f" + i, 1, floodSource(i), "172.31.0.1", 100, 1));
    }
    assertEquals(CAP, e.liveBacklogs());
    assertEquals(Map.of(1, (long) (flood - CAP)), e.capCounts().refusedBacklogs());
    assertEquals(flood - CAP, e.capCounts().refusedBacklogsTotal());
    assertEquals(CAP, c.links.size(), "a refused event is linked to nothing");

    // the cap is per directive: another directive still starts backlogs
    e.process(event("other", 2, floodSource(0), "172.31.0.1", 200, 1));
    assertEquals(CAP + 1, e.liveBacklogs());
    assertEquals(Map.of(1, (long) (flood - CAP)), e.capCounts().refusedBacklogs());
  }

  @Test
  void aBacklogLiveBeforeTheFloodStillCorrelatesToItsAlarm() {
    var c = new Fixtures.Capture();
    Engine e = engine(load(perSource(1, 100)), c, CAP, 1000, 100);
    e.process(event("a1", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    String attack = c.links.get(0).alarmId();
    assertEquals(4, last(c).risk());

    int flood = 100;
    for (int i = 0; i < flood; i++) {
      e.process(event("f" + i, 1, floodSource(i), "172.31.0.1", 100, 1));
    }
    e.process(event("late", 2, "10.0.0.2", "10.0.0.9", 100, 1)); // a new attack while the directive is full
    assertEquals(CAP, e.liveBacklogs());
    assertEquals(flood - (CAP - 1) + 1, e.capCounts().refusedBacklogs().get(1));
    assertFalse(linkedEvents(c).contains("late"));

    e.process(event("a2", 3, "10.0.0.1", "10.0.0.9", 100, 2));
    AlarmSnapshot done = last(c);
    assertEquals(attack, done.alarmId());
    assertEquals(6, done.risk(), "priority 4 x reliability 8 x value 5 / 25");
    assertEquals("Medium", done.riskClass());
    assertEquals("finished", done.rules().get(1).status());
    assertEquals(List.of("10.0.0.1"), done.srcIps());

    // refusal lasts only while the directive is full: the finished attack freed a slot
    e.process(event("next", 4, "10.0.0.3", "10.0.0.9", 100, 1));
    assertTrue(linkedEvents(c).contains("next"));
    assertEquals(CAP, e.liveBacklogs());
  }

  /** Stage 2: {@code occurrence} events from any source to the first event's destination. */
  private static List<Directive> manySources(int occurrence) {
    return load(directive(1, "many sources", 4, rule(1, 100, 1),
        rule(2, 100, 2).put("to", ":1").put("occurrence", occurrence).put("reliability", 8).put("timeout", 600)));
  }

  @Test
  void aSourceListStopsAtItsCapAndCountsWhatItDrops() {
    var c = new Fixtures.Capture();
    Engine e = engine(manySources(22), c, 1000, 5, 100);
    e.process(event("s1", 0, "172.16.0.1", "10.0.0.9", 100, 1));
    List<String> sources = new ArrayList<>();
    for (int i = 2; i <= 20; i++) {
      sources.add("172.16.0." + i);
    }
    sources.add("172.16.0.3"); // already listed: not a drop
    sources.add("172.16.0.7"); // left out before: dropped again
    sources.add("172.16.0.7"); // and again, even straight after itself
    for (int i = 0; i < sources.size() - 1; i++) {
      e.process(event("s" + (i + 2), 1, sources.get(i), "10.0.0.9", 100, 2));
    }
    Backlog b = e.backlogs().get(0);
    assertEquals(15 + 1, b.droppedAddresses());
    e.process(event("last", 2, sources.get(sources.size() - 1), "10.0.0.9", 100, 2));

    AlarmSnapshot done = last(c);
    assertEquals("finished", done.rules().get(1).status(), "the stage still completes at its occurrence");
    assertEquals(List.of("172.16.0.1", "172.16.0.2", "172.16.0.3", "172.16.0.4", "172.16.0.5"), done.srcIps());
    assertEquals(List.of("10.0.0.9"), done.dstIps());
    assertEquals(6, done.risk());
    assertEquals(23, c.links.size(), "every event is still linked");
    CapCounts counts = e.capCounts();
    assertEquals(15 + 2, counts.droppedAddresses(), "15 distinct left out, then 172.16.0.7 twice more");
    assertEquals(0, counts.droppedCustomData());
    assertEquals(Map.of(), counts.refusedBacklogs());
  }

  @Test
  void destinationsAndCustomDataStopAtTheirCaps() {
    var c = new Fixtures.Capture();
    Engine e = engine(load(directive(1, "many targets", 4, rule(1, 100, 1),
        rule(2, 100, 2).put("from", ":1").put("occurrence", 10).put("reliability", 8))), c, 1000, 3, 4);
    e.process(event("t0", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    for (int i = 1; i <= 10; i++) {
      Event ev = event("t" + i, 1, "10.0.0.1", "10.0.1." + i, 100, 2);
      ev.customLabel1 = "user";
      ev.customData1 = "u" + i;
      ev.customLabel2 = "host";
      ev.customData2 = "h"; // the same pair every time: never a drop
      e.process(ev);
    }
    AlarmSnapshot done = last(c);
    assertEquals("finished", done.rules().get(1).status());
    assertEquals(List.of("10.0.0.9", "10.0.1.1", "10.0.1.2"), done.dstIps());
    assertEquals(List.of("10.0.0.1"), done.srcIps());
    assertEquals(List.of(new CustomDataEntry("user", "u1"), new CustomDataEntry("host", "h"),
        new CustomDataEntry("user", "u2"), new CustomDataEntry("user", "u3")), done.customData());
    CapCounts counts = e.capCounts();
    assertEquals(8, counts.droppedAddresses());
    assertEquals(7, counts.droppedCustomData());
  }

  @Test
  void riskStillCountsTheValueOfAnAddressLeftOut() {
    // the list is full of worthless addresses when the valuable one arrives: without its value there is no alarm
    var c = new Fixtures.Capture();
    Engine e = engine(manySources(3), c, 1000, 2, 100);
    e.process(event("v0", 0, "172.16.0.1", "172.31.0.1", 100, 1));
    e.process(event("v1", 1, "172.16.0.2", "172.31.0.1", 100, 2));
    e.process(event("v2", 2, "10.0.0.5", "172.31.0.1", 100, 2));
    e.process(event("v3", 3, "0.0.0.0", "172.31.0.1", 100, 2));
    assertEquals(1, c.alarms.size(), "risk 0 until the last stage");
    AlarmSnapshot done = c.alarms.get(0);
    assertEquals(6, done.risk());
    assertEquals(List.of("172.16.0.1", "172.16.0.2"), done.srcIps());
    assertEquals(2, e.capCounts().droppedAddresses());
  }

  /** A backlog of {@link #manySources} that has dropped addresses and custom data and is still live. */
  private static Engine cappedEngine(Fixtures.Capture c, boolean track) {
    return new Engine(manySources(6), List.of(), ASSETS, CorrelationOptions.defaults().withCaps(1000, 2, 1), c,
        Engine.Dispatch.INDEXED, track);
  }

  private static Event withData(Event e, String data) {
    e.customLabel1 = "user";
    e.customData1 = data;
    return e;
  }

  @Test
  void aCappedBacklogRoundTripsThroughTheCodecAndGoesOnTheSame() {
    var c = new Fixtures.Capture();
    Engine e = cappedEngine(c, false);
    e.process(withData(event("r0", 0, "172.16.0.1", "172.31.0.1", 100, 1), "a"));
    e.process(withData(event("r1", 1, "172.16.0.2", "172.31.0.1", 100, 2), "b"));
    e.process(withData(event("r2", 2, "10.0.0.5", "172.31.0.1", 100, 2), "c"));
    Backlog b = e.backlogs().get(0);
    assertEquals(1, b.droppedAddresses());
    assertEquals(2, b.droppedCustomData());
    byte[] state = BacklogCodec.encode(b);

    var restoredOut = new Fixtures.Capture();
    Engine restored = cappedEngine(restoredOut, false);
    assertEquals(List.of(), restored.restore(e.header(), List.of(state)));
    Backlog r = restored.backlogs().get(0);
    assertArrayEquals(state, BacklogCodec.encode(r));
    assertEquals(1, r.droppedAddresses());
    assertEquals(2, r.droppedCustomData());

    List<Event> rest = List.of(withData(event("r3", 3, "172.16.0.3", "172.31.0.1", 100, 2), "d"),
        event("r4", 4, "172.16.0.1", "172.31.0.1", 100, 2), event("r5", 5, "172.16.0.4", "172.31.0.1", 100, 2),
        event("r6", 6, "172.16.0.5", "172.31.0.1", 100, 2));
    int before = c.alarms.size();
    for (Event ev : rest) {
      e.process(ev);
    }
    for (Event ev : rest) {
      restored.process(ev);
    }
    assertEquals(json(c.alarms.subList(before, c.alarms.size())), json(restoredOut.alarms));
    AlarmSnapshot done = restoredOut.alarms.get(0);
    assertEquals(6, done.risk(), "10.0.0.5 was dropped before the state was written");
    assertEquals(List.of("172.16.0.1", "172.16.0.2"), done.srcIps());
    assertEquals(List.of(new CustomDataEntry("user", "a")), done.customData());
  }

  /**
   * Written by the codec before the caps (commit 9430e54) for {@link #goldenDirective} after e0 from 10.0.0.1 and
   * e1-e3 from 10.0.0.2-4, each of these with custom data user=u1..u3.
   */
  private static final String GOLDEN = "02164974595953747336314869027cdc3a1141368d60001031302e302e302e311031302e302e"
      + "302e3900000000000c636170706564c0aedc950dc6aedc950d0804000402c0aedc950dc0aedc950d020006c0aedc950d0000000810"
      + "31302e302e302e311031302e302e302e321031302e302e302e331031302e302e302e34021031302e302e302e3906087573657204"
      + "753108757365720475320875736572047533084e7f8f976a146c62e302fd14b83703dcdd176b8735507b00c50f7195fb7b53ba";

  private static List<Directive> goldenDirective() {
    return load(directive(1, "capped", 4, rule(1, 100, 1),
        rule(2, 100, 2).put("to", ":1").put("occurrence", 10).put("reliability", 8)));
  }

  @Test
  void stateWrittenBeforeTheCapsReadsAndUncappedStateIsWrittenAsBefore() {
    byte[] old = HexFormat.of().parseHex(GOLDEN);
    var c = new Fixtures.Capture();
    Engine live = new Engine(goldenDirective(), ASSETS, CorrelationOptions.defaults(), c);
    live.process(event("e0", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    for (int i = 1; i <= 3; i++) {
      live.process(withData(event("e" + i, i, "10.0.0." + (i + 1), "10.0.0.9", 100, 2), "u" + i));
    }
    assertArrayEquals(old, BacklogCodec.encode(live.backlogs().get(0)));

    // restored under small caps, already above them: kept whole, and nothing more gets in
    var out = new Fixtures.Capture();
    Engine restored = new Engine(goldenDirective(), ASSETS, CorrelationOptions.defaults().withCaps(1, 2, 2), out);
    assertEquals(List.of(), restored.restore(new long[] {Fixtures.T0 + 3, 1}, List.of(old)));
    assertArrayEquals(old, BacklogCodec.encode(restored.backlogs().get(0)));
    restored.process(event("new", 4, "10.0.0.8", "10.0.0.7", 100, 1));
    assertEquals(Map.of(1, 1L), restored.capCounts().refusedBacklogs(), "the restored backlog fills the cap of 1");
    for (int i = 4; i <= 10; i++) {
      restored.process(withData(event("e" + i, i, "10.0.0." + (i + 1), "10.0.0.9", 100, 2), "u" + i));
    }
    AlarmSnapshot done = last(out);
    assertEquals("ItYYSts61Hi", done.alarmId());
    assertEquals("finished", done.rules().get(1).status());
    assertEquals(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"), done.srcIps());
    assertEquals(3, done.customData().size());
    assertEquals(7, restored.capCounts().droppedAddresses());
    assertEquals(7, restored.capCounts().droppedCustomData());
  }

  @Test
  void capsBelowOneAreRefused() {
    var o = CorrelationOptions.defaults();
    assertThrows(IllegalArgumentException.class, () -> o.withCaps(0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> o.withCaps(1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> o.withCaps(1, 1, 0));
    assertEquals(new CorrelationOptions(3, 6, "Open", "Identified Threat", 0, 10_000, 1_000, 20), o);
  }
}
