package io.ksiem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.asset.AssetLoader;
import io.ksiem.cli.DirectivesCommand.Push;
import io.ksiem.cli.DirectivesCommand.Push.Verdict;
import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.correlate.DirectivePublisher.Kind;
import io.ksiem.directive.DirectiveLoader;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code ksiem directives push}'s decisions, without a broker. */
class DirectivesCommandTest {
  /** A directive whose second rule's {@code from} is given: {@code ":1"} is valid, {@code ":2"} points to itself. */
  static String directive(int id, String name, String stage2From, boolean disabled) {
    return """
        {"id": %d, "name": "%s", "priority": 3, "kingdom": "Reconnaissance & Probing", "category": "Misc Activity",
         "disabled": %b, "rules": [
          {"name": "first", "stage": 1, "type": "PluginRule", "plugin_id": 1001, "plugin_sid": [1],
           "occurrence": 1, "from": "ANY", "to": "ANY", "port_from": "ANY", "port_to": "ANY", "reliability": 1,
           "timeout": 0},
          {"name": "second", "stage": 2, "type": "PluginRule", "plugin_id": 1001, "plugin_sid": [1],
           "occurrence": 2, "from": "%s", "to": "ANY", "port_from": "ANY", "port_to": "ANY", "reliability": 5,
           "timeout": 60}]}
        """.formatted(id, name, disabled, stage2From);
  }

  static String directives(String... directives) {
    return "{\"directives\": [" + String.join(",", directives) + "]}";
  }

  @Test
  void aSetWithAnInvalidEntryIsRefusedUnlessPartialIsAllowed() {
    assertEquals(Verdict.PUBLISH, Push.decide(3, 0, false));
    assertEquals(Verdict.PUBLISH, Push.decide(3, 0, true));
    assertEquals(Verdict.REFUSE, Push.decide(2, 1, false));
    assertEquals(Verdict.PUBLISH_PARTIAL, Push.decide(2, 1, true));
    assertEquals(Verdict.REFUSE, Push.decide(0, 1, false));
    assertEquals(Verdict.NOTHING_USABLE, Push.decide(0, 1, true));
    assertEquals(Verdict.NOTHING_USABLE, Push.decide(0, 0, false));
    assertEquals(0, Push.exitCode(Verdict.PUBLISH));
    assertEquals(0, Push.exitCode(Verdict.PUBLISH_PARTIAL));
    assertNotEquals(0, Push.exitCode(Verdict.REFUSE));
    assertNotEquals(0, Push.exitCode(Verdict.NOTHING_USABLE));
    assertNotEquals(Push.exitCode(Verdict.NOTHING_USABLE), Push.exitCode(Verdict.REFUSE),
        "a script can tell a refused set from an unreadable one");
  }

  @Test
  void thePlanNamesTheInvalidDirectiveItsRuleAndWhatWouldChange() throws Exception {
    DirectiveLoader before = new DirectiveLoader().load("directives_old.json", directives(
        directive(1, "kept", ":1", false), directive(2, "now broken", ":1", false), directive(3, "dropped", ":1",
            false)));
    Map<String, String> current = new TreeMap<>();
    for (var d : before.directives()) {
      current.put(Integer.toString(d.id), ControlRecords.directiveValue(d, ControlRecords.group(d,
          ControlRecords.GroupBy.ID, 64)));
    }
    DirectiveLoader now = new DirectiveLoader().load("directives_new.json", directives(
        directive(1, "kept", ":1", false), directive(2, "now broken", ":2", false), directive(4, "added", ":1",
            false), directive(5, "switched off", ":1", true)));
    AssetLoader assets = new AssetLoader().load("assets_a.json", new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree("{\"assets\": [{\"name\": \"lan\", \"cidr\": \"10.0.0.0/8\", \"value\": 3},"
            + " {\"name\": \"typo\", \"cidr\": \"10.0.0.0\", \"value\": 3}]}"));

    DirectivePublisher.Plan plan = DirectivePublisher.plan(now, assets, current, Map.of(),
        ControlRecords.GroupBy.ID, 64);

    assertEquals(1, plan.invalidDirectives().size(), plan.invalid().toString());
    String problem = plan.invalidDirectives().get(0).toString();
    assertTrue(problem.contains("directive 2") && problem.contains("stage 2")
        && problem.contains("points to its own stage"), problem);
    assertEquals(1, plan.invalidAssets().size());
    assertEquals(2, plan.invalid().size());
    assertEquals(1, plan.disabled().size(), "a disabled directive is not a mistake");
    assertTrue(plan.disabled().get(0).toString().contains("directive 5"));
    assertEquals(Verdict.REFUSE, Push.decide(plan.directives(), plan.invalid().size(), false));

    Map<String, Kind> changes = plan.directiveChanges().stream()
        .collect(Collectors.toMap(DirectivePublisher.Change::key, DirectivePublisher.Change::kind));
    assertEquals(Map.of("2", Kind.REMOVED, "3", Kind.REMOVED, "4", Kind.NEW), changes,
        "1 is unchanged; 2 would go with --allow-partial because only its broken version is in the files");
    assertEquals("now broken", plan.directiveChanges().stream().filter(c -> c.key().equals("2")).findFirst()
        .orElseThrow().label(), "a removed directive is named from the topic");
    assertEquals(2, plan.writes(), "directive 4 and asset 10.0.0.0/8");
    assertEquals(2, plan.removals());
  }

  @Test
  void aChangedDirectiveIsAChangeAndKeepsItsEarlierVersion() throws Exception {
    DirectiveLoader before = new DirectiveLoader().load("directives_a.json", directives(
        directive(7, "old name", ":1", false)));
    var d = before.directives().get(0);
    Map<String, String> current = Map.of("7", ControlRecords.directiveValue(d, "g7"));
    DirectiveLoader now = new DirectiveLoader().load("directives_a.json", directives(
        directive(7, "new name", ":1", false)));
    DirectivePublisher.Plan plan = DirectivePublisher.plan(now, new AssetLoader(), current, Map.of(),
        ControlRecords.GroupBy.ID, 64);
    assertEquals(1, plan.directiveChanges().size());
    DirectivePublisher.Change c = plan.directiveChanges().get(0);
    assertEquals(Kind.CHANGED, c.kind());
    assertEquals("new name", c.label());
    assertEquals("old name", ControlRecords.readDirective(c.value()).previous().get(0).directive().path("name")
        .asText());
  }
}
