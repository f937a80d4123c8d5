package io.ksiem.engine;

import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.asset.AssetSet;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.directive.Directive;
import io.ksiem.event.Event;
import java.util.List;
import org.junit.jupiter.api.Test;
import static io.ksiem.engine.Fixtures.T0;
import static io.ksiem.engine.Fixtures.assets;
import static io.ksiem.engine.Fixtures.directive;
import static io.ksiem.engine.Fixtures.event;
import static io.ksiem.engine.Fixtures.load;
import static io.ksiem.engine.Fixtures.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Engine behaviours that the shared scenarios do not pin down, each against docs/dsiem-compatibility.md or
 * docs/dsiem-reference.md.
 */
class EngineBehaviourTest {
  private static final AssetSet TEN = assets("ten", "10.0.0.0/8", 5);

  private static Engine engine(List<Directive> ds, Fixtures.Capture c, CorrelationOptions o) {
    return new Engine(ds, TEN, o, c);
  }

  private static Engine engine(List<Directive> ds, Fixtures.Capture c) {
    return engine(ds, c, CorrelationOptions.defaults());
  }

  @Test
  void stickyValueIsRecordedOnlyForAFullMatch() {
    // D5: stage 2 wants two different SIDs from the first source; e2 has a new SID but the wrong source
    var s2 = rule(2, 100, 1).put("from", ":1").put("occurrence", 2).put("sticky_different", "PLUGIN_SID");
    s2.putArray("plugin_sid").add(1).add(2).add(3);
    var d = load(directive(1, "sticky", 5, rule(1, 100, 1), s2));
    var c = new Fixtures.Capture();
    Engine e = engine(d, c);
    e.process(event("e1", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    e.process(event("e2", 1, "10.0.0.2", "10.0.0.9", 100, 2)); // fails 'from': must not use up SID 2
    e.process(event("e3", 2, "10.0.0.1", "10.0.0.9", 100, 2)); // counts (dsiem would swallow it)
    e.process(event("e4", 3, "10.0.0.1", "10.0.0.9", 100, 2)); // same SID again: swallowed
    e.process(event("e5", 4, "10.0.0.1", "10.0.0.9", 100, 3)); // completes
    assertEquals(List.of("B1/1/e1", "B1/2/e3", "B1/2/e5"), c.linkText());
  }

  @Test
  void allRulesAlwaysActiveAbsorbsEarlierStageEvents() {
    var s2 = rule(2, 100, 2).put("from", ":1").put("to", ":1");
    var s3 = rule(3, 100, 3).put("from", ":1").put("to", ":1");
    var dir = directive(1, "aaa", 5, rule(1, 100, 1), s2, s3);
    dir.put("all_rules_always_active", true);
    var c = new Fixtures.Capture();
    Engine e = engine(load(dir), c);
    e.process(event("e1", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    e.process(event("e2", 1, "10.0.0.1", "10.0.0.9", 100, 2)); // stage 2 done, now stage 3
    e.process(event("e3", 2, "10.0.0.1", "10.0.0.9", 100, 1)); // stage-1 noise: absorbed, no new backlog
    e.process(event("e4", 3, "10.0.0.1", "10.0.0.9", 100, 2)); // stage-2 noise: absorbed
    e.process(event("e5", 4, "10.0.0.7", "10.0.0.9", 100, 1)); // another source: stage 1 was pinned, new backlog
    assertEquals(List.of("B1/1/e1", "B1/2/e2", "B1/1/e3", "B1/2/e4", "B2/1/e5"), c.linkText());
    // creation, stage 2, and each absorption write a snapshot (risk 5)
    assertEquals(4, c.alarms.stream().filter(a -> a.alarmId().equals(c.links.get(0).alarmId())).count());
    assertEquals("10.0.0.1", c.alarms.get(0).rules().get(0).from(), "stage 1 ANY pinned to the first event");
  }

  @Test
  void duplicateEventIdOnlyBlocksCreation() {
    var s2 = rule(2, 100, 1).put("from", ":1").put("occurrence", 3);
    var c = new Fixtures.Capture();
    Engine e = engine(load(directive(1, "dup", 5, rule(1, 100, 1), s2)), c);
    e.process(event("x", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    e.process(event("x", 1, "10.0.0.1", "10.0.0.9", 100, 1)); // counted again by the live backlog
    e.process(event("x", 2, "10.0.0.2", "10.0.0.9", 100, 1)); // would start a backlog, but its id is known
    e.process(event("y", 3, "10.0.0.2", "10.0.0.9", 100, 1)); // starts one
    assertEquals(List.of("B1/1/x", "B1/2/x", "B2/1/y"), c.linkText());
  }

  @Test
  void deadlineIsInclusiveAndMinAlarmLifetimeExtendsIt() {
    var s2 = rule(2, 100, 1).put("from", ":1").put("occurrence", 2).put("timeout", 10);
    List<Directive> d = load(directive(1, "window", 5, rule(1, 100, 1), s2));
    var c = new Fixtures.Capture();
    Engine e = engine(d, c);
    e.process(event("e1", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    e.process(event("e2", 10, "10.0.0.1", "10.0.0.9", 100, 1)); // exactly at the deadline: counts
    e.process(event("e3", 10, "10.0.0.1", "10.0.0.9", 100, 1)); // completes
    assertEquals(List.of("B1/1/e1", "B1/2/e2", "B1/2/e3"), c.linkText());

    var late = new Fixtures.Capture();
    Engine e2 = engine(d, late);
    e2.process(event("e1", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    e2.process(event("e2", 11, "10.0.0.1", "10.0.0.9", 100, 1)); // past it: B1 expires first, e2 starts B2
    assertEquals(List.of("B1/1/e1", "B2/1/e2"), late.linkText());
    assertEquals("timeout", late.alarms.get(1).rules().get(1).status());

    var grace = new Fixtures.Capture();
    Engine e3 = engine(d, grace, new CorrelationOptions(3, 6, "Open", "Identified Threat", 1));
    e3.process(event("e1", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    e3.process(event("e2", 70, "10.0.0.1", "10.0.0.9", 100, 1)); // 10 s + 60 s grace
    assertEquals(List.of("B1/1/e1", "B1/2/e2"), grace.linkText());
  }

  @Test
  void advancingTheClockExpiresQuietBacklogs() {
    var s2 = rule(2, 100, 1).put("from", ":1").put("timeout", 30);
    var c = new Fixtures.Capture();
    Engine e = engine(load(directive(1, "quiet", 5, rule(1, 100, 1), s2)), c);
    e.process(event("e1", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    assertEquals(1, e.liveBacklogs());
    e.advanceClock(T0 + 30);
    assertEquals(1, e.liveBacklogs(), "not before the deadline has passed");
    e.advanceClock(T0 + 31);
    assertEquals(0, e.liveBacklogs());
    AlarmSnapshot last = c.alarms.get(c.alarms.size() - 1);
    assertEquals("timeout", last.rules().get(1).status());
    e.advanceClock(T0);
    assertEquals(T0 + 31, e.clock(), "the clock never goes back");
  }

  @Test
  void oneEventFeedsDirectivesInIdOrder() {
    var c = new Fixtures.Capture();
    Engine e = engine(load(
        directive(30, "third", 5, rule(1, 100, 1), rule(2, 100, 9)),
        directive(10, "first", 5, rule(1, 100, 1), rule(2, 100, 9)),
        directive(20, "second", 5, rule(1, 100, 1), rule(2, 100, 9))), c);
    e.process(event("e1", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    assertEquals(List.of(10, 20, 30), c.alarms.stream().map(AlarmSnapshot::directiveId).toList());
  }

  @Test
  void whitelistedSourcesAreDroppedButMoveTheClock() {
    AssetSet a = new io.ksiem.asset.AssetLoader().load("t", Fixtures.JSON.createObjectNode().set("assets",
        Fixtures.JSON.createArrayNode().add(Fixtures.JSON.createObjectNode().put("name", "scanner")
            .put("cidr", "10.9.9.9/32").put("value", 1).put("whitelisted", true)))).assets();
    var c = new Fixtures.Capture();
    Engine e = new Engine(load(directive(1, "w", 5, rule(1, 100, 1), rule(2, 100, 2))), a,
        CorrelationOptions.defaults(), c);
    e.process(event("e1", 5, "10.9.9.9", "10.0.0.9", 100, 1));
    assertTrue(c.links.isEmpty());
    assertEquals(1, e.whitelistedEvents());
    assertEquals(T0 + 5, e.clock());
  }

  @Test
  void ipv6FirstEventPinsLaterStages() {
    var s2 = rule(2, 100, 1).put("from", ":1").put("to", ":1").put("occurrence", 2);
    var c = new Fixtures.Capture();
    Engine e = new Engine(load(directive(1, "v6 SRC_IP", 5, rule(1, 100, 1), s2)),
        assets("v6net", "2001:db8::/32", 5), CorrelationOptions.defaults(), c);
    e.process(event("e1", 0, "2001:db8::1", "2001:db8::2", 100, 1));
    e.process(event("e2", 1, "2001:DB8:0::1", "2001:db8::2", 100, 1)); // same address, other spelling
    e.process(event("e3", 2, "2001:db8::3", "2001:db8::2", 100, 1)); // another source: new backlog
    e.process(event("e4", 3, "2001:db8::1", "2001:db8::2", 100, 1));
    assertEquals(List.of("B1/1/e1", "B1/2/e2", "B2/1/e3", "B1/2/e4"), c.linkText());
    AlarmSnapshot done = c.alarms.get(c.alarms.size() - 1);
    assertEquals("v6 2001:db8::1", done.title());
    assertEquals(List.of("2001:db8::1", "2001:DB8:0::1"), done.srcIps(), "addresses are kept as written");
    assertEquals(List.of("2001:db8::/32"), done.networks());
    assertEquals(5 * 5 * 5 / 25, done.risk());
  }

  @Test
  void customDataReferencesResolveFromTheFirstEvent() {
    var s1 = rule(1, 100, 1).put("custom_data1", "ANY");
    var s2 = rule(2, 100, 2).put("custom_data1", ":1").put("from", ":1");
    var c = new Fixtures.Capture();
    Engine e = engine(load(directive(1, "cd", 5, s1, s2)), c);
    Event e1 = event("e1", 0, "10.0.0.1", "10.0.0.9", 100, 1);
    e1.customData1 = "alice";
    e1.customLabel1 = "user";
    e.process(e1);
    Event bob = event("e2", 1, "10.0.0.1", "10.0.0.9", 100, 2);
    bob.customData1 = "bob";
    e.process(bob);
    Event alice = event("e3", 2, "10.0.0.1", "10.0.0.9", 100, 2);
    alice.customData1 = "ALICE";
    e.process(alice);
    assertEquals(List.of("B1/1/e1", "B1/2/e3"), c.linkText());
    AlarmSnapshot last = c.alarms.get(c.alarms.size() - 1);
    assertEquals("alice", last.rules().get(1).customData().get(0));
    assertEquals("user", last.customData().get(0).label());
  }
}
