package io.ksiem.cli;

import io.ksiem.servers.SharedServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** {@code ksiem topics create}, the setup job of the deployments, on a real broker and registry. */
class TopicsCommandTest {
  @Test
  void createsEveryTopicOnceAndAgainIsANoOp() throws Exception {
    String bootstrap = SharedServers.kafka().bootstrapServers();
    String prefix = "tc" + Long.toString(System.nanoTime() % 1_000_000, 36) + ".";
    Path config = Files.createTempFile("topics", ".properties");
    Files.writeString(config, String.join("\n", "bootstrap.servers=" + bootstrap,
        "registry.url=" + SharedServers.registryUrl(), "topic.prefix=" + prefix, "partitions=3"));
    for (int run = 0; run < 2; run++) {
      StringWriter out = new StringWriter();
      var cli = Ksiem.commandLine();
      cli.setOut(new PrintWriter(out));
      assertEquals(0, cli.execute("topics", "create", "--config", config.toString()), "run " + run + ": " + out);
    }
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Set<String> names = admin.listTopics().names().get();
      for (String t : List.of("events", "raw.dsiem", "raw.suricata", "raw.openssh", "directives", "assets",
          "alarms", "alarm-events", "dead-letter", "status")) {
        assertTrue(names.contains(prefix + t), prefix + t + " exists");
      }
      assertEquals(3, admin.describeTopics(List.of(prefix + "events")).allTopicNames().get().get(prefix + "events")
          .partitions().size());
      ConfigResource directives = new ConfigResource(ConfigResource.Type.TOPIC, prefix + "directives");
      assertEquals("compact", admin.describeConfigs(List.of(directives)).all().get().get(directives)
          .get("cleanup.policy").value());
    }
  }
}
