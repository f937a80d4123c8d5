package io.ksiem.directive;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.config.LoadProblem;
import io.ksiem.engine.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static io.ksiem.engine.Fixtures.directive;
import static io.ksiem.engine.Fixtures.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Load-time validation: docs/dsiem-reference.md §4.4 plus D4; every problem names the file, directive, stage and
 * reason.
 */
class DirectiveLoaderTest {
  private static ObjectNode valid(int id) {
    return directive(id, "valid " + id, 3, rule(1, 100, 1), rule(2, 100, 2).put("from", ":1"));
  }

  /** Loads a valid directive 1, the one under test (id 2), and a valid directive 3. */
  private static DirectiveLoader loadWith(Consumer<ObjectNode> breakIt) {
    ObjectNode d = valid(2);
    breakIt.accept(d);
    ObjectNode doc = Fixtures.JSON.createObjectNode();
    doc.putArray("directives").add(valid(1)).add(d).add(valid(3));
    return new DirectiveLoader().load("directives_test.json", doc);
  }

  private static void assertRejected(String reasonPart, Consumer<ObjectNode> breakIt) {
    int[] id = new int[1];
    DirectiveLoader l = loadWith(d -> {
      breakIt.accept(d);
      id[0] = d.get("id").asInt();
    });
    assertEquals(List.of(1, 3), l.directives().stream().map(d -> d.id).toList(), "the others still load");
    assertEquals(1, l.problems().size(), l.problems().toString());
    LoadProblem p = l.problems().get(0);
    assertEquals("directives_test.json", p.file());
    assertEquals(2, p.position());
    assertEquals("directive " + id[0], p.what());
    assertTrue(p.reason().contains(reasonPart), "'" + p.reason() + "' should mention '" + reasonPart + "'");
  }

  private static ObjectNode stage(ObjectNode d, int n) {
    return (ObjectNode) d.get("rules").get(n - 1);
  }

  @Test
  void dsiemChecks() {
    assertRejected("already used", d -> d.put("id", 1));
    assertRejected("empty name", d -> d.put("name", ""));
    assertRejected("empty kingdom", d -> d.put("kingdom", ""));
    assertRejected("empty category", d -> d.remove("category"));
    assertRejected("fewer than 2 rules", d -> d.withArray("rules").remove(1));
    assertRejected("stage 0", d -> stage(d, 2).put("stage", 0));
    assertRejected("repeats stage number 1", d -> stage(d, 2).put("stage", 1));
    assertRejected("neither PluginRule nor TaxonomyRule", d -> stage(d, 2).put("type", "pluginrule"));
    assertRejected("plugin_id 0", d -> stage(d, 1).put("plugin_id", 0));
    assertRejected("without plugin_sid", d -> stage(d, 1).putArray("plugin_sid"));
    assertRejected("plugin_sid contains 0", d -> stage(d, 1).putArray("plugin_sid").add(3).add(0));
    assertRejected("without product", d -> stage(d, 1).put("type", "TaxonomyRule").put("category", "x"));
    assertRejected("without category",
        d -> stage(d, 1).put("type", "TaxonomyRule").putArray("product").add("Firewall"));
    assertRejected("'to' is empty", d -> stage(d, 1).put("to", ""));
    assertRejected("HOME_NET is not a valid list item", d -> stage(d, 1).put("from", "HOME_NET, 10.0.0.1"));
    assertRejected("10.0.0.300 is not a valid list item", d -> stage(d, 1).put("from", "10.0.0.300"));
    assertRejected("not a valid reference", d -> stage(d, 2).put("to", ":x"));
    assertRejected("not a port number", d -> stage(d, 2).put("port_to", "80, 70000"));
    assertRejected("not a port number", d -> stage(d, 2).put("port_to", "http"));
    assertRejected("disabled", d -> d.put("disabled", true));
  }

  @Test
  void d4Checks() {
    assertRejected("port_from is empty", d -> stage(d, 1).put("port_from", ""));
    assertRejected("port_to is empty", d -> stage(d, 2).remove("port_to"));
    assertRejected("'FOO' is not a known keyword", d -> stage(d, 2).put("sticky_different", "FOO"));
    assertRejected("cannot use sticky_different PLUGIN_SID", d -> {
      stage(d, 2).put("type", "TaxonomyRule").put("category", "c").put("sticky_different", "PLUGIN_SID")
          .putArray("product").add("p");
    });
    assertRejected("cannot use sticky_different CUSTOM_DATA2", d -> {
      stage(d, 2).put("type", "TaxonomyRule").put("category", "c").put("sticky_different", "CUSTOM_DATA2")
          .putArray("product").add("p");
    });
    assertRejected("points to its own stage", d -> stage(d, 2).put("to", ":2"));
    assertRejected("points to a later stage", d -> {
      d.withArray("rules").add(rule(3, 100, 3));
      stage(d, 2).put("port_from", ":3");
    });
    assertRejected("is a reference", d -> stage(d, 1).put("from", ":1"));
    assertRejected("points to its own stage", d -> stage(d, 2).put("custom_data1", ":2"));
    assertRejected("points to no rule", d -> stage(d, 2).put("custom_data2", ":0"));
    assertRejected("points to no rule (the directive has 2)", d -> stage(d, 2).put("custom_data3", "5:"));
    assertRejected("points to a later stage", d -> {
      d.withArray("rules").add(rule(3, 100, 3));
      stage(d, 2).put("custom_data3", "3:");
    });
    assertRejected("must be an integer", d -> stage(d, 2).put("occurrence", "3"));
    assertRejected("must be a string", d -> stage(d, 2).put("from", 10));
  }

  @Test
  void validEdgeCasesLoadWithCoercions() {
    DirectiveLoader l = loadWith(d -> {
      d.put("priority", 9);
      stage(d, 1).put("occurrence", 5).put("port_to", "0, 65535").put("custom_data1", "12:30");
      stage(d, 2).put("reliability", 15).put("port_from", "1").put("custom_data1", ":1")
          .put("sticky_different", "DST_PORT").put("to", "10.0.0.0/8, !10.0.0.5, 2001:db8::1");
    });
    assertEquals(List.of(1, 2, 3), l.directives().stream().map(d -> d.id).toList(), l.problems().toString());
    Directive d = l.directives().get(1);
    assertEquals(1, d.priority);
    assertEquals(1, d.rule(1).occurrence);
    assertEquals(10, d.rule(2).reliability);
    assertEquals(3, l.warnings().size(), l.warnings().toString());
  }

  @Test
  void directoriesLoadDirectiveFilesInNameOrderAndFirstIdWins(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("directives_b.json"), "{\"directives\":[" + valid(7).put("name", "from b") + "]}");
    Files.writeString(dir.resolve("directives_a.json"), "{\"directives\":[" + valid(7).put("name", "from a") + "]}");
    Files.writeString(dir.resolve("other.json"), "not even json");
    DirectiveLoader l = new DirectiveLoader().loadPaths(List.of(dir));
    assertEquals("from a", l.directives().get(0).name);
    assertTrue(l.problems().get(0).file().endsWith("directives_b.json"));
    assertTrue(l.problems().get(0).reason().contains("already used"));
  }

  @Test
  void aFileThatIsNotJsonFailsWithItsName(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("directives_x.json");
    Files.writeString(f, "{\"directives\": [");
    IOException e = assertThrows(IOException.class, () -> new DirectiveLoader().loadPaths(List.of(f)));
    assertTrue(e.getMessage().contains("directives_x.json"));
    assertThrows(IOException.class, () -> new DirectiveLoader().loadPaths(List.of(dir.resolve("missing.json"))));
  }
}
