package io.ksiem.engine;

import io.ksiem.scenario.Scenario;
import io.ksiem.scenario.ScenarioRun;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** Every acceptance scenario through the engine API, with the comparison of compare.py plus the D7 order. */
class ScenarioEngineTest {
  static Stream<String> scenarios() {
    return Scenario.names().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void matchesExpectedOutputInD7Order(String name) {
    Scenario s = Scenario.load(name);
    ScenarioRun run = new ScenarioRun(s).run(Engine.Dispatch.INDEXED, false);
    List<String> diff = run.compare(true);
    assertTrue(diff.isEmpty(), name + ":\n" + String.join("\n", diff));
    List<Integer> ids = s.expectedLoadedIds();
    if (ids != null) {
      assertEquals(ids.stream().sorted().toList(), run.loadedIds.stream().sorted().toList());
      // and each rejected directive with its reason, at its position
      for (var expected : s.root.path("expected").path("rejected_directives")) {
        int position = expected.get("position").asInt();
        var problem = run.problems.stream().filter(p -> p.position() == position).findFirst();
        assertTrue(problem.isPresent(), "directive #" + position + " should be rejected");
        assertTrue(problem.get().reason().contains(expected.get("reason").asText()),
            "#" + position + ": '" + problem.get().reason() + "' should say '" + expected.get("reason").asText() + "'");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void broadcastDispatchGivesTheSameOutput(String name) {
    Scenario s = Scenario.load(name);
    ScenarioRun indexed = new ScenarioRun(s).run(Engine.Dispatch.INDEXED, false);
    ScenarioRun broadcast = new ScenarioRun(s).run(Engine.Dispatch.BROADCAST, false);
    assertEquals(indexed.alarms, broadcast.alarms);
    assertEquals(indexed.alarmEvents, broadcast.alarmEvents);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void stateRestoredAfterEveryEventGivesIdenticalOutput(String name) {
    Scenario s = Scenario.load(name);
    ScenarioRun straight = new ScenarioRun(s).run(Engine.Dispatch.INDEXED, false);
    ScenarioRun restored = new ScenarioRun(s).run(Engine.Dispatch.INDEXED, true);
    assertEquals(straight.alarms, restored.alarms);
    assertEquals(straight.alarmEvents, restored.alarmEvents);
  }
}
