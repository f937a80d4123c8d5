package io.ksiem.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.ksiem.dev.KsiemDev;
import io.ksiem.dev.LocalStack;
import io.ksiem.servers.KafkaCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** `ksiem up`'s stack: start, stop and start again on the same directory, with a live backlog across the restart. */
class LocalStackTest {
  @Test
  void aBacklogStartedBeforeARestartCompletesAfterIt() throws Exception {
    Path dir = Files.createTempDirectory("ksiem-up");
    // Elasticsearch runs as uid 65534 under root
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    LocalStack.Settings s = new LocalStack.Settings(dir, KafkaCluster.freePort(), KafkaCluster.freePort(),
        KafkaCluster.freePort(), KafkaCluster.freePort(), KafkaCluster.freePort(), 2,
        List.of(PipelineFixture.EXAMPLES.resolve("directives")), List.of(PipelineFixture.EXAMPLES.resolve("assets")));
    List<String> scan = PipelineFixture.example("dsiem.jsonl").stream().filter(l -> l.contains("fw-scan-")).toList();
    StringWriter progress = new StringWriter();
    String alarm;
    try (LocalStack stack = LocalStack.start(s, new PrintWriter(progress))) {
      assertTrue(progress.toString().contains("4 directives"), progress.toString());
      // the first scan event starts the backlog, two more count towards stage 2's five ports
      for (String l : scan.subList(0, 3)) {
        assertEquals(200, PipelineFixture.post(s.httpPort(), l));
      }
      List<JsonNode> links = links(stack.elasticsearchUrl(), 3, Duration.ofSeconds(90));
      alarm = links.get(0).get("alarm_id").asText();
      for (JsonNode l : links) {
        assertEquals(alarm, l.get("alarm_id").asText(), "one backlog holds the three events");
      }
      assertEquals(1, stack.pipeline().correlate().stats().liveBacklogs());
    }
    try (LocalStack stack = LocalStack.start(s, new PrintWriter(progress))) {
      assertTrue(progress.toString().contains("0 records written"), "directives unchanged: nothing pushed again");
      for (String l : scan.subList(3, 6)) {
        assertEquals(200, PipelineFixture.post(s.httpPort(), l));
      }
      List<JsonNode> links = links(stack.elasticsearchUrl(), 6, Duration.ofSeconds(90));
      Set<String> alarms = links.stream().map(l -> l.get("alarm_id").asText()).collect(Collectors.toSet());
      assertEquals(Set.of(alarm), alarms, "the events after the restart joined the backlog from before it");
      assertEquals(Set.of(1, 2), links.stream().map(l -> l.get("stage").asInt()).collect(Collectors.toSet()));
      JsonNode doc = waitFor(() -> PipelineFixture.JSON.readTree(PipelineFixture.get(stack.elasticsearchUrl(),
          "/siem_alarms/_doc/" + alarm)), d -> "finished".equals(d.path("_source").path("rules").path(1)
          .path("status").asText()), Duration.ofSeconds(60));
      assertEquals("finished", doc.path("_source").path("rules").path(1).path("status").asText(),
          "stage 2 (five ports) completed across the restart: " + doc);
      upExternalRunsTheAppsAndTheViewAgainstExistingServers(stack, scan);
    }
  }

  /** `ksiem up --external`: no server of its own; its apps, under another topic prefix, use the running ones. */
  private static void upExternalRunsTheAppsAndTheViewAgainstExistingServers(LocalStack servers, List<String> scan)
      throws Exception {
    int http = KafkaCluster.freePort();
    Path config = Files.createTempFile("ksiem-external", ".properties");
    Files.writeString(config, String.join("\n", "bootstrap.servers=" + servers.bootstrapServers(),
        "registry.url=" + servers.registryUrl(), "elasticsearch.url=" + servers.elasticsearchUrl(),
        "topic.prefix=external.", "partitions=2", "routed.partitions=2", "http.host=127.0.0.1",
        "http.port=" + http, "state.dir=" + Files.createTempDirectory("ksiem-external-state")));
    StringWriter out = new StringWriter();
    picocli.CommandLine cli = KsiemDev.commandLine().setOut(new PrintWriter(out, true));
    java.util.concurrent.CompletableFuture<Integer> run = java.util.concurrent.CompletableFuture.supplyAsync(() ->
        cli.execute("up", "--external", config.toString(), "--directives", PipelineFixture.EXAMPLES
            .resolve("directives").toString(), "--assets", PipelineFixture.EXAMPLES.resolve("assets").toString(),
            "--plain", "--for", "30"));
    waitFor(() -> out.toString(), o -> o.contains("running;") || run.isDone(), Duration.ofSeconds(90));
    // a new backlog in the external apps: six ports complete stage 2, risk 2
    for (String l : scan.subList(0, 6)) {
      assertEquals(200, PipelineFixture.post(http, l));
    }
    assertEquals(0, run.get(2, java.util.concurrent.TimeUnit.MINUTES), out.toString());
    String o = out.toString();
    assertTrue(o.contains("using Kafka " + servers.bootstrapServers()), o);
    assertTrue(!o.contains("starting Kafka") && !o.contains("starting Elasticsearch"), "no server started: " + o);
    assertTrue(o.contains("4 directives"), "pushed to external.directives: " + o);
    assertTrue(o.matches("(?s).*alarm \\S+ risk 2 \\(Low\\): Port scan.*"), "the alarm in the view: " + o);
    assertTrue(o.contains("active backlogs 1"), o);
    // the libraries' lines go to the log file, not to the view; ksiem's go there too
    java.util.regex.Matcher logs = java.util.regex.Pattern.compile("logs: (\\S+)").matcher(o);
    assertTrue(logs.find(), o);
    String file = Files.readString(Path.of(logs.group(1)));
    assertTrue(file.contains(" o.a.k.") && file.contains(" i.k.c.Catalog - catalog version"), file);
    var root = ((org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false))
        .getConfiguration().getRootLogger();
    assertEquals(Set.of("ksiem-up-file"), root.getAppenders().keySet(), "the libraries' lines reach no console");
  }

  private static List<JsonNode> links(String es, int n, Duration timeout) throws Exception {
    List<JsonNode> got = waitFor(() -> {
      JsonNode hits = PipelineFixture.JSON.readTree(PipelineFixture.get(es, "/siem_alarm_events-*/_search?size=100"))
          .path("hits").path("hits");
      List<JsonNode> out = new java.util.ArrayList<>();
      hits.forEach(h -> out.add(h.get("_source")));
      return out;
    }, l -> l.size() >= n, timeout);
    Set<String> ids = new TreeSet<>();
    got.forEach(l -> ids.add(l.get("event_id").asText()));
    assertEquals(n, ids.size(), "links: " + got);
    return got;
  }

  interface Probe<T> {
    T get() throws Exception;
  }

  private static <T> T waitFor(Probe<T> probe, java.util.function.Predicate<T> done, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = probe.get();
    while (!done.test(last) && System.nanoTime() < deadline) {
      Thread.sleep(250);
      last = probe.get();
    }
    return last;
  }
}
