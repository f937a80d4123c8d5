package io.ksiem.it;

import io.ksiem.dev.LocalPipeline;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.servers.SharedServers;
import io.ksiem.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


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
      lateEventIsCorrelatedCountedWrittenOutAndShown(f, p);
    }
  }

  /**
   * An event an hour older than everything before it (a shipper that held it back) is late: still correlated (it
   * starts a backlog and is linked), written to the late-events topic with how late, and counted by `ksiem status`.
   */
  private static void lateEventIsCorrelatedCountedWrittenOutAndShown(PipelineFixture f, LocalPipeline p)
      throws Exception {
    String line = PipelineFixture.example("dsiem.jsonl").stream().filter(l -> l.contains("\"fw-scan-1\""))
        .findFirst().orElseThrow().replace("fw-scan-1", "late-scan-1").replace("2026-01-05T10:30:00Z",
            "2026-01-05T09:31:42Z");
    // the examples' sources interleave in one events partition, some seconds apart: a few of them are late already
    long lateBefore = p.correlate().stats().lateEvents();
    assertEquals(200, PipelineFixture.post(p.ingest().httpPort(), line));
    ConsumerRecord<byte[], byte[]> late = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (late == null && System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : f.read(f.topics.lateEvents.name(), Integer.MAX_VALUE,
          Duration.ofSeconds(2))) {
        if (f.topics.lateEvents.valueSerde().deserializer().deserialize(r.topic(), r.value()).getEventId()
            .equals("late-scan-1")) {
          late = r;
        }
      }
    }
    assertTrue(late != null, "the late event in " + f.topics.lateEvents.name());
    long behind = Long.parseLong(new String(late.headers().lastHeader(Topics.HEADER_LATE_SECONDS).value(),
        StandardCharsets.UTF_8));
    assertTrue(behind >= 3600, "the clock was at the latest example event, 10:31:42 or later: " + behind);
    assertTrue(PipelineFixture.links(SharedServers.elasticsearch().url(), "late-scan-").size() == 1
        || waitForLink(f), "the late event is still correlated");
    long lateNow = lateBefore + 1;
    assertEquals(lateNow, p.correlate().stats().lateEvents());
    java.nio.file.Path config = java.nio.file.Files.createTempFile("status", ".properties");
    java.nio.file.Files.writeString(config, String.join("\n", "bootstrap.servers=" + f.bootstrap,
        "registry.url=" + SharedServers.registryUrl(), "topic.prefix=" + f.topics.prefix()));
    String shown = "";
    String expected = "late events since the instances started: " + lateNow;
    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!shown.contains(expected) && System.nanoTime() < deadline) {
      java.io.StringWriter out = new java.io.StringWriter();
      io.ksiem.cli.Ksiem.commandLine().setOut(new java.io.PrintWriter(out, true))
          .execute("status", "--config", config.toString());
      shown = out.toString();
      Thread.sleep(500);
    }
    assertTrue(shown.contains(expected), shown);
  }

  private static boolean waitForLink(PipelineFixture f) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      PipelineFixture.get(SharedServers.elasticsearch().url(), "/_refresh");
      if (PipelineFixture.links(SharedServers.elasticsearch().url(), "late-scan-").size() == 1) {
        return true;
      }
      Thread.sleep(500);
    }
    return false;
  }
}
