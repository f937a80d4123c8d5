package io.ksiem.dev;

import io.ksiem.cli.AppConfig;
import io.ksiem.cli.StopSignal;
import io.ksiem.ingest.IngestApp;
import io.ksiem.ingest.Normalizer;
import io.ksiem.runtime.App;
import io.ksiem.runtime.StreamsApps;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ksiem up}: the whole pipeline on this machine, with a live view, until Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Starts a Kafka broker (KRaft), Apicurio Registry, Elasticsearch and the ingest, correlate and "
        + "alarms apps on 127.0.0.1, with their data under --dir, pushes the directives and shows a live view. "
        + "Ctrl-C stops everything; a second run resumes on the same data.",
        "Servers are fetched from Maven Central into ~/.m2 on first use (about 200 MB)."})
public final class UpCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--demo", description = "also play the bundled Suricata, OpenSSH and dsiem logs through the raw "
      + "topics, as if they happened now")
  boolean demo;

  @Option(names = "--dir", defaultValue = ".ksiem", description = "data directory (default: ${DEFAULT-VALUE})")
  Path dir;

  @Option(names = "--directives", defaultValue = "examples/directives",
      description = "directive files or directories (default: ${DEFAULT-VALUE})", split = ",")
  List<Path> directives;

  @Option(names = "--assets", defaultValue = "examples/assets",
      description = "asset files or directories (default: ${DEFAULT-VALUE})", split = ",")
  List<Path> assets;

  @Option(names = "--demo-logs", defaultValue = "examples/raw",
      description = "suricata.jsonl, openssh.jsonl and dsiem.jsonl for --demo (default: ${DEFAULT-VALUE})")
  Path demoLogs;

  @Option(names = "--demo-seconds", defaultValue = "40",
      description = "how long the demo logs take to play (default: ${DEFAULT-VALUE})")
  int demoSeconds;

  @Option(names = "--kafka-port", defaultValue = "9092", description = "(default: ${DEFAULT-VALUE})")
  int kafkaPort;

  @Option(names = "--controller-port", defaultValue = "9093", description = "(default: ${DEFAULT-VALUE})")
  int controllerPort;

  @Option(names = "--registry-port", defaultValue = "8081", description = "(default: ${DEFAULT-VALUE})")
  int registryPort;

  @Option(names = "--elasticsearch-port", defaultValue = "9200", description = "(default: ${DEFAULT-VALUE})")
  int elasticsearchPort;

  @Option(names = "--http-port", defaultValue = "8080",
      description = "the dsiem-compatible POST /events intake (default: ${DEFAULT-VALUE})")
  int httpPort;

  @Option(names = "--partitions", defaultValue = "4", description = "partitions of new topics (default: "
      + "${DEFAULT-VALUE})")
  int partitions;

  @Option(names = "--for", paramLabel = "SECONDS", description = "stop by itself after this long (for scripts)")
  Integer seconds;

  @Option(names = "--external", paramLabel = "FILE", description = "start no server: run the apps and the view "
      + "against the Kafka, registry and Elasticsearch named in this settings file (docs/settings.md; KSIEM_* "
      + "variables override it). Directives and assets are pushed only when --directives is given.")
  Path external;

  @Option(names = "--plain", description = "log lines instead of a redrawn screen, even on a terminal")
  boolean plain;

  /** The count of siem_alarms, read as the sink connects (with `--external`, its TLS and credentials settings). */
  private static String alarmDocuments(io.ksiem.elasticsearch.ElasticsearchConnection es) {
    try (org.elasticsearch.client.RestClient rest = es.restClient()) {
      var r = rest.performRequest(new org.elasticsearch.client.Request("GET", "/siem_alarms/_count"));
      return "siem_alarms in Elasticsearch: " + new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(r.getEntity().getContent()).path("count").asLong() + " documents";
    } catch (Exception e) {
      // a refusal names the host, the path and the status; the credentials are in no message
      return "siem_alarms not readable: " + e.getMessage();
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    AppConfig config = null;
    if (external != null) {
      try {
        config = new AppConfig(external, System.getenv());
        config.common();
        // refused here, before anything prints its URL, when it carries credentials
        config.elasticsearch();
      } catch (IllegalArgumentException | java.io.IOException e) {
        spec.commandLine().getErr().println("ksiem up: " + e.getMessage());
        return 2;
      }
    } else {
      for (int p : new int[] {kafkaPort, controllerPort, registryPort, elasticsearchPort, httpPort}) {
        LocalStack.checkPort(p);
      }
    }
    boolean push = external == null || spec.commandLine().getParseResult().hasMatchedOption("--directives");
    LocalStack.Settings settings = new LocalStack.Settings(dir, kafkaPort, controllerPort, registryPort,
        elasticsearchPort, httpPort, partitions, push ? directives : null, assets);
    java.nio.file.Files.createDirectories(dir);
    out.printf("logs: %s%n", UpLogFile.start(dir));
    out.flush();
    try (StopSignal stop = new StopSignal(); LocalStack stack = LocalStack.start(settings, config, out)) {
      out.printf("Kafka %s, schema registry %s, Elasticsearch %s%n", stack.bootstrapServers(), stack.registryUrl(),
          stack.elasticsearchUrl());
      out.flush();
      Thread player = null;
      if (demo) {
        Demo d = new Demo(demoLogs);
        out.printf("demo: %d log lines over about %d s into the raw topics%n", d.size(), demoSeconds);
        out.flush();
        player = new Thread(() -> {
          try {
            d.play(stack.kafka(), s -> stack.topics().raw(s).name(), d.speedupFor(demoSeconds));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "ksiem-demo");
        player.setDaemon(true);
        player.start();
      }
      List<String> raw = new ArrayList<>();
      for (Normalizer n : IngestApp.builtInSources()) {
        raw.add(stack.topics().raw(n.source()).name());
      }
      Map<String, String> groups = new LinkedHashMap<>();
      String prefix = stack.topics().prefix();
      for (App app : App.values()) {
        groups.put(app.shortName(), app.id(prefix));
      }
      long until = seconds == null ? Long.MAX_VALUE : System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
      try (LiveView view = new LiveView(new LiveView.Sources(stack.kafka(), stack.topics(), raw, groups,
          stack.meters(), stack.pipeline().correlate().stats()), out,
          !plain && LiveView.isTerminal())) {
        while (!stop.stopped() && System.nanoTime() < until) {
          view.refresh();
          stop.await(1000);
        }
        view.refresh();
        out.printf("%nstopping (%d alarm snapshots seen; %s) ...%n", view.snapshots(),
            alarmDocuments(config != null ? config.elasticsearch()
                : io.ksiem.elasticsearch.ElasticsearchConnection.to(stack.elasticsearchUrl())));
        out.flush();
      }
      if (player != null) {
        player.interrupt();
      }
    }
    out.println(external == null ? "stopped; data kept in " + dir.toAbsolutePath() : "stopped");
    out.flush();
    return 0;
  }
}
