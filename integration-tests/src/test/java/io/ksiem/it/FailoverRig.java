package io.ksiem.it;

import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.correlate.InstanceStatus;
import io.ksiem.cli.Apps;
import io.ksiem.cli.Ksiem;
import io.ksiem.elasticsearch.AlarmsApp;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;


/**
 * One failover run: its topics under a prefix of its own, the failover directives pushed, the alarms sink in this
 * JVM writing to the shared Elasticsearch, and correlate instances each in a JVM of its own. Closing it stops them
 * and removes the run's documents, since other tests compare whole indices.
 */
final class FailoverRig implements AutoCloseable {
  static final Path DIRECTIVES = Path.of("src", "test", "resources", "failover", "directives_failover.json");
  static final Path ASSETS = Path.of("src", "test", "resources", "failover", "assets_failover.json");
  static final int ROUTED = 6;
  static final int DIRECTIVES_USED = 12;
  static final int ATTACKERS = 3;
  /** Events per attack: event 0 is stage 1, 1-4 stage 2, 5-8 stage 3. */
  static final int EVENTS = 9;
  static final Pattern FIRST_EVENT = Pattern.compile("task (\\d+_\\d+) processed its first event at (\\d+)");
  static final Pattern RESTORED = Pattern.compile("restored backlogs from \\S+: (\\d+) records in (-?\\d+) ms");
  static final Pattern WARMED = Pattern.compile("standby backlogs from \\S+ caught up: (\\d+) records in (-?\\d+) ms");

  final String run;
  final String bootstrap;
  final String es;
  final Topics topics;
  final int standbys;
  final List<Instance> instances = new ArrayList<>();
  private final String registry;
  private final AlarmsApp alarms;
  /** Held while a round is written and declared: a declaration never claims a round that is not all written. */
  private final Object feeding = new Object();
  private final KafkaProducer<String, NormalizedEvent> declarations;
  private final java.util.concurrent.ScheduledExecutorService declarer =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "failover-rig-declarer");
        t.setDaemon(true);
        return t;
      });

  FailoverRig(String bootstrap, int standbys) throws Exception {
    this.run = "fo" + Long.toString(System.nanoTime() % 1_000_000, 36);
    this.bootstrap = bootstrap;
    this.standbys = standbys;
    this.registry = SharedServers.registryUrl();
    this.es = SharedServers.elasticsearch().url();
    String prefix = run + ".";
    this.topics = new Topics(prefix, new SchemaRegistryClient(registry));
    StreamsApps.Common common = new StreamsApps.Common(bootstrap, registry, prefix,
        Files.createTempDirectory("ksiem-failover-state").toString(), ROUTED, (short) 3, true);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topics.events.name(), ROUTED, (short) 3)
          .configs(topics.events.config()))).all().get();
    }
    assertEquals(DIRECTIVES_USED, DirectivePublisher.push(bootstrap, topics, List.of(DIRECTIVES), List.of(ASSETS),
        ControlRecords.GroupBy.ID, 64, (short) 3).directives());
    topics.registerSchemas();
    declarations = producer();
    // as every ingest task does while it has nothing unread: every second, until the rig closes
    declarer.scheduleWithFixedDelay(this::declareWhileIdle, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    alarms = Apps.alarms(common, PipelineFixture.sinkConnection(es), false, 1000,
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    alarms.start();
  }

  /** The health the instances reach once settled: Replicated with standbys, else Available. */
  InstanceStatus.Health settled() {
    return standbys > 0 ? InstanceStatus.Health.REPLICATED : InstanceStatus.Health.AVAILABLE;
  }

  /** Starts one more correlate instance with a config and state directory of its own. */
  Instance addInstance() throws Exception {
    int i = instances.size();
    int httpPort = io.ksiem.servers.KafkaCluster.freePort();
    Path config = Files.createTempFile("correlate-" + i, ".properties");
    Files.writeString(config, String.join("\n", "bootstrap.servers=" + bootstrap, "registry.url=" + registry,
        "topic.prefix=" + topics.prefix(), "state.dir=" + Files.createTempDirectory("correlate-" + i + "-state"),
        "partitions=" + ROUTED, "routed.partitions=" + ROUTED, "replication.factor=3", "standby.replicas=" + standbys,
        "http.host=127.0.0.1", "http.port=" + httpPort));
    Instance in = new Instance(config, Files.createTempFile("correlate-" + i, ".log"), httpPort).start();
    instances.add(in);
    return in;
  }

  Instance byPid(long pid) {
    return instances.stream().filter(i -> i.pid() == pid).findFirst().orElseThrow();
  }

  /** The instance running the most correlation tasks. */
  static InstanceStatus.Instance busiest(List<InstanceStatus.Instance> status) {
    return status.stream().max(java.util.Comparator.comparingLong(
        i -> i.active().stream().filter(i.stateful()::contains).count())).orElseThrow();
  }

  /**
   * An app instance (correlate unless said) in a JVM of its own, logging to a file; it can be stopped, paused,
   * killed and started again.
   */
  static final class Instance implements AutoCloseable {
    final String app;
    final Path config;
    final Path log;
    final int httpPort;
    Process process;
    /** When the current process started, and where its output begins in the log. */
    long startedAt;
    long logStart;

    Instance(Path config, Path log, int httpPort) {
      this("correlate", config, log, httpPort);
    }

    Instance(String app, Path config, Path log, int httpPort) {
      this.app = app;
      this.config = config;
      this.log = log;
      this.httpPort = httpPort;
    }

    /** SIGSTOP: the process is frozen as a starved or stalled one would be; {@link #resume} is SIGCONT. */
    void pause() throws Exception {
      signal("STOP");
    }

    void resume() throws Exception {
      signal("CONT");
    }

    private void signal(String name) throws Exception {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
      assertEquals(0, kill.waitFor(), "kill -" + name + " " + pid());
    }

    /** The status code of the instance's {@code GET /health}. */
    int health() throws Exception {
      return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + httpPort + "/health")).build(),
          java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    Instance start() throws Exception {
      logStart = Files.size(log);
      startedAt = System.currentTimeMillis();
      process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx200m",
          "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Ksiem.class.getName(), app,
          "--config", config.toString()).redirectErrorStream(true).redirectOutput(
              ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      return this;
    }

    long pid() {
      return process.pid();
    }

    /** kill -9. */
    long kill() throws InterruptedException {
      process.destroyForcibly();
      long at = System.currentTimeMillis();
      process.waitFor();
      return at;
    }

    /** SIGTERM, as an orchestrator stops a pod: Streams closes its tasks and writes checkpoints. */
    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)) {
        throw new AssertionError("instance " + pid() + " did not stop within 2 minutes on SIGTERM");
      }
    }

    String output() throws Exception {
      return Files.readString(log);
    }

    /** What the current process wrote. */
    String outputSinceStart() throws Exception {
      return output().substring((int) logStart);
    }

    /** Epoch ms of the first event this process served after {@code after}, per task. */
    Map<String, Long> firstEvents(long after) throws Exception {
      Map<String, Long> out = new java.util.TreeMap<>();
      Matcher m = FIRST_EVENT.matcher(outputSinceStart());
      while (m.find()) {
        long at = Long.parseLong(m.group(2));
        if (at > after) {
          out.merge(m.group(1), at, Math::min);
        }
      }
      return out;
    }

    /** The restores this process logged: records and milliseconds, one entry per restored partition. */
    List<long[]> restores() throws Exception {
      return loads(RESTORED);
    }

    /** The standbys this process warmed up to the changelog's end: records and milliseconds per partition. */
    List<long[]> warmups() throws Exception {
      return loads(WARMED);
    }

    private List<long[]> loads(Pattern p) throws Exception {
      List<long[]> out = new ArrayList<>();
      Matcher r = p.matcher(outputSinceStart());
      while (r.find()) {
        out.add(new long[] {Long.parseLong(r.group(1)), Long.parseLong(r.group(2))});
      }
      return out;
    }

    @Override
    public void close() throws Exception {
      if (process != null && process.isAlive()) {
        process.destroy();
        process.waitFor();
      }
    }
  }

  /** Events {@code from}..{@code to}-1 of every attack of {@code wave}; one attacker's events stay in order. */
  List<NormalizedEvent> produce(KafkaProducer<String, NormalizedEvent> p, int wave, long t0, int from, int to)
      throws Exception {
    List<NormalizedEvent> out = new ArrayList<>();
    for (int n = from; n < to; n++) {
      out.addAll(round(p, wave, t0, n));
    }
    return out;
  }

  /** Event {@code n} of every attack of {@code wave}: one per directive and attacker. */
  List<NormalizedEvent> round(KafkaProducer<String, NormalizedEvent> p, int wave, long t0, int n) throws Exception {
    synchronized (feeding) {
      return roundFed(p, wave, t0, n);
    }
  }

  private List<NormalizedEvent> roundFed(KafkaProducer<String, NormalizedEvent> p, int wave, long t0, int n)
      throws Exception {
    List<NormalizedEvent> out = new ArrayList<>();
    List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
    for (int k = 1; k <= DIRECTIVES_USED; k++) {
      for (int a = 1; a <= ATTACKERS; a++) {
        String src = "198." + (18 + wave / 64) + "." + k + "." + (wave % 64 * ATTACKERS + a);
        NormalizedEvent e = event(run + "-" + wave + "-" + k + "-" + a + "-" + n, t0 + n, src, "10.20.1." + a, k);
        // the attacker as key: one attacker's events in one partition, so in order
        org.apache.kafka.common.header.internals.RecordHeaders h =
            new org.apache.kafka.common.header.internals.RecordHeaders();
        h.add(Topics.HEADER_FEEDER, FEEDER.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        acks.add(p.send(new ProducerRecord<>(topics.events.name(), null, src, e, h)));
        out.add(e);
      }
    }
    for (var f : acks) {
      f.get();
    }
    declareIdle(p);
    return out;
  }

  /** The rig's name as the one feeder of every events partition, on its events and its declarations. */
  static final String FEEDER = "rig";

  /**
   * The rig writes the events topic itself, so it declares every partition idle as ingest does (docs/time-model.md):
   * after each round, and every second while it writes nothing. A declaration counts for a few seconds only, so
   * without the repeats a partition that got no event in the last round would hold every task's clock at its
   * previous event until {@code max.wait}, and the last events would wait that long.
   */
  private void declareWhileIdle() {
    try {
      synchronized (feeding) {
        declareIdle(declarations);
      }
    } catch (InterruptedException e) {
      // the rig is closing
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // a broker down: the next second tries again, as ingest's punctuator would
      System.err.println("failover rig: an idleness declaration failed: " + e);
    }
  }

  void declareIdle(KafkaProducer<String, NormalizedEvent> p) throws Exception {
    List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
    for (int part = 0; part < ROUTED; part++) {
      org.apache.kafka.common.header.internals.RecordHeaders h =
          new org.apache.kafka.common.header.internals.RecordHeaders();
      h.add(Topics.HEADER_FEEDERS, "1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      acks.add(p.send(new ProducerRecord<>(topics.events.name(), part, null, Topics.IDLE_KEY_PREFIX + FEEDER, null,
          h)));
    }
    for (var f : acks) {
      f.get();
    }
  }

  KafkaProducer<String, NormalizedEvent> producer() {
    return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"), new StringSerializer(),
        topics.events.valueSerde().serializer());
  }

  static NormalizedEvent event(String id, long time, String src, String dst, int sid) {
    return NormalizedEvent.newBuilder().setEventId(id).setTimestamp(Instant.ofEpochSecond(time).toString())
        .setTitle("failover test").setSensor("failover").setSrcIp(src).setDstIp(dst).setSrcPort(40000)
        .setDstPort(443).setProtocol("TCP").setPluginId(9001).setPluginSid(sid).setProduct("").setCategory("")
        .setSubcategory("").setCustomLabel1("").setCustomLabel2("").setCustomLabel3("").setCustomData1("")
        .setCustomData2("").setCustomData3("").setReceivedAt(Instant.ofEpochSecond(time)).setSource("test")
        .build();
  }

  /** The status of {@code n} running instances, once the app is {@code health}. */
  List<InstanceStatus.Instance> awaitStatus(int n, InstanceStatus.Health health, Duration timeout) throws Exception {
    return awaitStatus(n + " instances running and " + health, timeout, last -> last.size() == n
        && last.stream().allMatch(i -> i.state().equals("RUNNING")) && InstanceStatus.health(last) == health);
  }

  /** The status of the correlate instances once {@code until} holds, or the test fails with it and their logs. */
  List<InstanceStatus.Instance> awaitStatus(String what, Duration timeout,
      java.util.function.Predicate<List<InstanceStatus.Instance>> until) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<InstanceStatus.Instance> last = List.of();
    while (System.nanoTime() < deadline) {
      try {
        last = InstanceStatus.read(bootstrap, topics).getOrDefault("correlate", List.of());
      } catch (Exception e) {
        // the status topic appears with the first instance
      }
      if (until.test(last)) {
        return last;
      }
      Thread.sleep(500);
    }
    StringBuilder logs = new StringBuilder();
    for (Instance p : instances) {
      String out = p.output();
      logs.append("\n--- ").append(p.log).append(" (last 4000 chars):\n")
          .append(out.substring(Math.max(0, out.length() - 4000)));
    }
    throw new AssertionError("not " + what + " within " + timeout + ": " + last + logs);
  }

  /** Every committed link so far, once there are at least {@code n} (or the timeout passed). */
  List<AlarmEvent> awaitLinks(int n, Duration timeout) throws Exception {
    List<AlarmEvent> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topics.alarmEvents.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      long quietUntil = 0;
      // keep reading a little past n, so that a doubled link shows
      while (System.nanoTime() < deadline && (out.size() < n || System.nanoTime() < quietUntil)) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          out.add(topics.alarmEvents.valueSerde().deserializer().deserialize(r.topic(), r.value()));
        }
        if (out.size() >= n && quietUntil == 0) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        }
      }
    }
    return out;
  }

  /** Every link once, one per event, and Elasticsearch holding what replay gives for {@code sent}. */
  void assertExactlyOnce(List<NormalizedEvent> sent, Duration timeout) throws Exception {
    List<AlarmEvent> links = awaitLinks(sent.size(), timeout);
    java.util.Set<String> once = new java.util.HashSet<>();
    for (AlarmEvent l : links) {
      if (!once.add(l.getAlarmId() + "/" + l.getEventId())) {
        throw new AssertionError("link written twice: " + l);
      }
    }
    if (links.size() != sent.size()) {
      assertEquals(sent.size(), links.size(), "one link per event; " + missing(sent, links));
    }
    PipelineFixture.assertElasticsearchHolds(es, PipelineFixture.replay(sent, DIRECTIVES, ASSETS),
        Duration.ofMinutes(2), run + "-");
  }

  /** Which events have no link, by wave and event number, and what the instances say: for a failure's message. */
  private String missing(List<NormalizedEvent> sent, List<AlarmEvent> links) {
    java.util.Set<String> linked = new java.util.HashSet<>();
    links.forEach(l -> linked.add(l.getEventId()));
    // event ids are run-wave-directive-attacker-n
    Map<String, Integer> byRound = new java.util.TreeMap<>();
    for (NormalizedEvent e : sent) {
      if (!linked.contains(e.getEventId())) {
        String[] f = e.getEventId().split("-");
        byRound.merge("wave " + f[1] + " event " + f[4], 1, Integer::sum);
      }
    }
    String status;
    try {
      status = String.valueOf(InstanceStatus.read(bootstrap, topics).get("correlate"));
    } catch (Exception e) {
      status = "not readable: " + e;
    }
    return "events with no link: " + byRound + "; correlate status: " + status;
  }

  @Override
  public void close() throws Exception {
    try {
      declarer.shutdownNow();
      declarer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      declarations.close(Duration.ofSeconds(5));
      for (Instance i : instances) {
        i.close();
      }
      alarms.close();
    } finally {
      deleteByQuery(es, "siem_alarms", "{\"query\":{\"range\":{\"directive_id\":{\"gte\":9101,\"lte\":9112}}}}");
      deleteByQuery(es, "siem_alarm_events-*", "{\"query\":{\"prefix\":{\"event_id\":\"" + run + "-\"}}}");
    }
  }

  /** The integration-test Elasticsearch has no delete-by-query (a module): search, then delete by id in bulk. */
  static void deleteByQuery(String es, String index, String query) throws Exception {
    while (true) {
      PipelineFixture.get(es, "/_refresh");
      String found = PipelineFixture.post(es, "/" + index + "/_search?size=5000&ignore_unavailable=true"
          + "&allow_no_indices=true", "application/json", query);
      StringBuilder bulk = new StringBuilder();
      for (var h : PipelineFixture.JSON.readTree(found).path("hits").path("hits")) {
        bulk.append("{\"delete\":{\"_index\":\"").append(h.get("_index").asText()).append("\",\"_id\":\"")
            .append(h.get("_id").asText()).append("\"}}\n");
      }
      if (bulk.length() == 0) {
        return;
      }
      String r = PipelineFixture.post(es, "/_bulk?refresh=true", "application/x-ndjson", bulk.toString());
      assertFalse(PipelineFixture.JSON.readTree(r).path("errors").asBoolean(), r);
    }
  }
}
