package io.ksiem.it;

import io.ksiem.dev.LocalPipeline;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.servers.SharedServers;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;


/**
 * End to end on a real broker, registry and Elasticsearch: raw Suricata EVE lines, OpenSSH log lines and dsiem
 * events (through POST /events) in; the documents in Elasticsearch equal what `ksiem replay` gives for the same
 * normalized events.
 */
class PipelineTest {
  @Test
  void alarmsInElasticsearchEqualReplay() throws Exception {
    String es = SharedServers.elasticsearch().url();
    PipelineFixture f = new PipelineFixture(SharedServers.kafka().bootstrapServers(), SharedServers.registryUrl(),
        "e2e.");
    try (LocalPipeline p = f.pipeline(es)) {
      p.start();
      p.awaitRunning(Duration.ofSeconds(60));
      f.produceRaw("suricata", PipelineFixture.example("suricata.jsonl"));
      f.produceRaw("openssh", PipelineFixture.example("openssh.jsonl"));
      for (String line : PipelineFixture.example("dsiem.jsonl")) {
        assertEquals(200, PipelineFixture.post(p.ingest().httpPort(), line), line);
      }
      // 28 Suricata alerts (5 other EVE records skipped), 14 sshd logins (1 other line skipped), 30 dsiem events
      List<NormalizedEvent> events = f.events(72, Duration.ofSeconds(60));
      PipelineFixture.Expected expected = f.replay(events);
      Set<Integer> directives = new TreeSet<>();
      expected.alarms().values().forEach(a -> directives.add(a.get("title").asText().startsWith("Ping") ? 1001
          : a.get("title").asText().startsWith("Port") ? 1002 : a.get("title").asText().startsWith("SSH") ? 1003
          : 1004));
      assertEquals(Set.of(1001, 1002, 1003, 1004), directives, "the demo traffic fires every demo directive");
      PipelineFixture.assertElasticsearchHolds(es, expected, Duration.ofSeconds(60));
      PipelineFixture.assertDsiemDashboardQueriesWork(es, expected, events);
    }
  }
}
