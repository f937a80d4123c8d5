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
    try (LocalPipeline.Metrics metrics = LocalPipeline.Metrics.create();
        LocalPipeline p = f.pipeline(es, metrics)) {
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
      everyAppsMetricsAgreeWithWhatWasSent(f, p, metrics);
    }
  }

  /**
   * Every app's {@code /metrics}, scraped over HTTP as Prometheus would (correlate and alarms on their own port,
   * ingest on its intake's): ksiem's meters agree with what was sent and what the apps wrote, the JVM's and the
   * Kafka clients' are there, and promtool finds nothing wrong with any scrape.
   */
  private static void everyAppsMetricsAgreeWithWhatWasSent(PipelineFixture f, LocalPipeline p,
      LocalPipeline.Metrics m) throws Exception {
    try (io.ksiem.runtime.OpsEndpoint co = new io.ksiem.runtime.OpsEndpoint("127.0.0.1", 0,
        new io.ksiem.runtime.OpsEndpoint.Probes(p.correlate()::live, p.correlate()::ready), m.correlate());
        io.ksiem.runtime.OpsEndpoint al = new io.ksiem.runtime.OpsEndpoint("127.0.0.1", 0,
            new io.ksiem.runtime.OpsEndpoint.Probes(p.alarms()::isAlive, p.alarms()::ready), m.alarms())) {
      Scrape in = Scrape.of("ingest", p.ingest().httpPort());
      // 28 Suricata alerts and 5 other EVE records, 14 sshd logins and 1 other line, 30 dsiem events and the late one
      assertEquals(28, in.sum("ksiem_ingest_records_total", "source=\"suricata\"", "outcome=\"normalized\""));
      assertEquals(5, in.sum("ksiem_ingest_records_total", "source=\"suricata\"", "outcome=\"skipped\""));
      assertEquals(14, in.sum("ksiem_ingest_records_total", "source=\"openssh\"", "outcome=\"normalized\""));
      assertEquals(1, in.sum("ksiem_ingest_records_total", "source=\"openssh\"", "outcome=\"skipped\""));
      assertEquals(31, in.sum("ksiem_ingest_records_total", "source=\"dsiem\"", "outcome=\"normalized\""));
      assertEquals(31, in.sum("ksiem_ingest_records_total", "source=\"http\"", "outcome=\"accepted\""));
      assertEquals(31, in.sum("ksiem_ingest_http_requests_total", "status=\"200\""), "every POST answered 200");
      assertEquals(0, in.sum("ksiem_dead_letters_total", "stage=\"ingest\""));
      assertEquals(1, in.sum("ksiem_ready"));
      assertTrue(in.has("kafka_stream_") && in.has("kafka_producer_") && in.has("jvm_memory_used_bytes{")
          && in.has("process_cpu_usage"), "Streams', the clients' and the JVM's metrics");

      Scrape c = Scrape.of("correlate", co.port());
      int alarmSnapshots = f.read(f.topics.alarms.name(), Integer.MAX_VALUE, Duration.ofSeconds(3)).size();
      assertEquals(alarmSnapshots, c.sum("ksiem_correlate_alarm_updates_total"), "one per snapshot written");
      assertTrue(c.sum("ksiem_correlate_alarm_updates_total", "risk_class=\"High\"") >= 1, "the SSH login");
      double events = c.sum("ksiem_correlate_events_total");
      assertTrue(events >= 1 && events <= 73, "events routed to a task, of the 73 sent: " + events);
      assertEquals(p.correlate().stats().lateEvents(), c.sum("ksiem_correlate_late_events_total"));
      assertEquals(p.correlate().stats().liveBacklogs(), c.sum("ksiem_correlate_backlogs"));
      for (int partition = 0; partition < 4; partition++) {
        double lag = c.sum("ksiem_correlate_clock_lag_seconds", "partition=\"" + partition + "\"");
        // the examples happened on 2026-01-05: the clocks are that far behind the wall
        assertTrue(lag > 86_400, "partition " + partition + ": " + lag);
      }
      assertEquals(0, c.sum("ksiem_correlate_standby_lag_records"), "one instance: no standby");
      assertEquals(1, c.sum("ksiem_ready"));
      assertTrue(c.has("kafka_stream_") && c.has("jvm_gc_"), "Streams' and the JVM's metrics");

      Scrape a = Scrape.of("alarms", al.port());
      assertTrue(a.sum("ksiem_alarms_bulk_seconds_count") >= 1);
      int links = f.read(f.topics.alarmEvents.name(), Integer.MAX_VALUE, Duration.ofSeconds(3)).size();
      assertTrue(a.sum("ksiem_alarms_written_total") >= links, "a document per link at least: " + links);
      assertEquals(0, a.sum("ksiem_alarms_retries_total"));
      assertEquals(1, a.sum("ksiem_ready"), "Elasticsearch answers");
      assertTrue(a.has("kafka_consumer_") && a.has("kafka_producer_"), "the sink's clients' metrics");

      java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "scrapes"));
      Set<String> exposed = new TreeSet<>();
      for (Scrape s : List.of(in, c, a)) {
        // kept for whoever changes the dashboard: what the apps really expose
        java.nio.file.Files.writeString(dir.resolve(s.app + ".prom"), s.text);
        s.samples.keySet().forEach(k -> exposed.add(k.contains("{") ? k.substring(0, k.indexOf('{')) : k));
      }
      Set<String> asked = new TreeSet<>();
      PromQueries.shipped().forEach(q -> asked.addAll(PromQueries.metricNames(q)));
      assertTrue(asked.containsAll(Set.of("ksiem_ready", "ksiem_correlate_clock_lag_seconds",
          "ksiem_alarms_bulk_seconds_sum", "kafka_consumer_fetch_manager_records_lag_max", "jvm_memory_used_bytes"))
          && !asked.contains("rate") && !asked.contains("partition"), "the queries' metric names: " + asked);
      for (String query : PromQueries.shipped()) {
        for (String name : PromQueries.metricNames(query)) {
          // up is Prometheus' own, one per target
          assertTrue(name.equals("up") || exposed.contains(name), "the dashboard or an alert asks for " + name
              + ", which no app exposes (target/scrapes/): " + query);
        }
      }
      for (Scrape s : List.of(in, c, a)) {
        // Kafka's client and Streams metrics keep Kafka's names (units such as _ns, a _count that is a gauge, no
        // help), as Kafka dashboards know them, and so do two of Micrometer's process meters; ksiem's own and the
        // rest must lint clean
        List<String> complaints = s.promtool().stream().filter(l -> !l.startsWith("kafka_")
            && !l.startsWith("process_cpu_time_ns_total ") && !l.startsWith("system_cpu_count ")).toList();
        assertEquals(List.of(), complaints, s.app + ": promtool check metrics");
      }
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
