package io.ksiem.cli;

import static io.ksiem.cli.DirectivesCommandTest.directive;
import static io.ksiem.cli.DirectivesCommandTest.directives;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.SharedServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code ksiem directives push} on a real broker: a set with an invalid directive publishes nothing by default. */
class DirectivesPushTest {
  private String bootstrap;
  private String prefix;
  private Topics topics;
  private Path dir;

  private record Run(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\nstdout:\n" + out + "stderr:\n" + err;
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    bootstrap = SharedServers.kafka().bootstrapServers();
    prefix = "dp" + Long.toString(System.nanoTime() % 1_000_000_000L, 36) + ".";
    topics = new Topics(prefix, new SchemaRegistryClient("http://unused"));
    dir = Files.createTempDirectory("directives");
  }

  private Run push(String... extra) {
    List<String> args = new ArrayList<>(List.of("directives", "push", dir.toString(), "--bootstrap-servers",
        bootstrap, "--topic-prefix", prefix));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = Ksiem.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private void files(String... directives) throws Exception {
    Files.writeString(dir.resolve("directives_a.json"), directives(directives));
  }

  private Map<String, String> onTopic() {
    return DirectivePublisher.read(bootstrap, topics.directives);
  }

  private static boolean lists(String out, String kind, int id) {
    return Pattern.compile("(?m)^\\s+" + kind + "\\s+directive " + id + "\\b").matcher(out).find();
  }

  @Test
  void anInvalidDirectiveRefusesTheWholeSetUnlessPartialIsAllowed() throws Exception {
    files(directive(1, "valid", ":1", false), directive(2, "broken", ":2", false));

    Run refused = push();
    assertNotEquals(0, refused.exit, refused.toString());
    assertTrue(refused.err.contains("directive 2") && refused.err.contains("stage 2 'from' ':2' points to its own "
        + "stage"), refused.toString());
    assertTrue(refused.err.contains("nothing published"), refused.toString());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Set<String> names = admin.listTopics().names().get();
      assertFalse(names.contains(topics.directives.name()) || names.contains(topics.assets.name()),
          "a refused push does not even create the topics: " + names);
    }
    assertEquals(Map.of(), onTopic());

    Run partial = push("--allow-partial");
    assertEquals(0, partial.exit, partial.toString());
    assertTrue(partial.err.contains("directive 2") && partial.err.contains("points to its own stage"),
        partial.toString());
    assertTrue(partial.out.contains("1 directive left out"), partial.toString());
    assertEquals(Set.of("1"), onTopic().keySet());
  }

  @Test
  void aRefusedPushLeavesARunningDirectiveInPlace() throws Exception {
    files(directive(1, "valid", ":1", false), directive(3, "also valid", ":1", false));
    Run first = push();
    assertEquals(0, first.exit, first.toString());
    Map<String, String> published = onTopic();
    assertEquals(Set.of("1", "3"), published.keySet());

    // an edit breaks directive 1: with --allow-partial it would be tombstoned, and the detection gone
    files(directive(1, "valid", ":2", false), directive(3, "also valid", ":1", false));
    Run refused = push();
    assertNotEquals(0, refused.exit, refused.toString());
    assertTrue(refused.err.contains("directive 1"), refused.toString());
    assertEquals(published, onTopic());

    Run partial = push("--allow-partial");
    assertEquals(0, partial.exit, partial.toString());
    assertEquals(Set.of("3"), onTopic().keySet());
  }

  @Test
  void aDryRunListsTheChangesAndPublishesNothing() throws Exception {
    files(directive(1, "valid", ":1", false), directive(3, "to go", ":1", false));
    assertEquals(0, push().exit);
    Map<String, String> published = onTopic();

    files(directive(1, "renamed", ":1", false), directive(4, "new one", ":1", false),
        directive(5, "broken", ":2", false));
    Run refused = push("--dry-run");
    assertNotEquals(0, refused.exit, "a dry run exits as the push would: " + refused);
    assertTrue(refused.out.contains("would be refused"), refused.toString());
    assertTrue(refused.err.contains("directive 5") && refused.err.contains("points to its own stage"),
        refused.toString());
    assertEquals(published, onTopic());

    Run partial = push("--dry-run", "--allow-partial");
    assertEquals(0, partial.exit, partial.toString());
    assertTrue(lists(partial.out, "changed", 1), partial.toString());
    assertTrue(lists(partial.out, "new", 4), partial.toString());
    assertTrue(lists(partial.out, "removed", 3), partial.toString());
    assertFalse(lists(partial.out, "new", 5), partial.toString());
    assertTrue(partial.out.contains("nothing published"), partial.toString());
    assertEquals(published, onTopic());
  }

  @Test
  void aDryRunOnTopicsThatDoNotExistCreatesNone() throws Exception {
    files(directive(1, "valid", ":1", false));
    Run dry = push("--dry-run");
    assertEquals(0, dry.exit, dry.toString());
    assertTrue(lists(dry.out, "new", 1), dry.toString());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      assertFalse(admin.listTopics().names().get().contains(topics.directives.name()));
    }
  }
}
