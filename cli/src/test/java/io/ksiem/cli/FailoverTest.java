package io.ksiem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.alarms.AlarmsApp;
import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.correlate.InstanceStatus;
import io.ksiem.correlate.StreamsApps;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.KafkaCluster;
import io.ksiem.servers.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Three correlate instances in their own JVMs on three brokers (replication 3, min.insync 2), standbys on: kill -9
 * one while its backlogs sit at stage 2 of 3, send the attacks' later events, and Elasticsearch must hold exactly
 * what `ksiem replay` gives for all the events, every link once.
 */
class FailoverTest {
  static final Path DIRECTIVES = Path.of("src", "test", "resources", "failover", "directives_failover.json");
  static final Path ASSETS = Path.of("src", "test", "resources", "failover", "assets_failover.json");
  static final int ROUTED = 6;
  static final int DIRECTIVES_USED = 12;
  static final int ATTACKERS = 3;
  static final Pattern FIRST_EVENT = Pattern.compile("task (\\d+_\\d+) processed its first event at (\\d+)");
  static final Pattern RESTORED = Pattern.compile("restored backlogs from \\S+: (\\d+) records in (-?\\d+) ms");

  static KafkaCluster kafka;

  @BeforeAll
  static void brokers() throws Exception {
    kafka = KafkaCluster.start(Files.createTempDirectory("ksiem-failover"), new int[] {KafkaCluster.freePort(),
        KafkaCluster.freePort(), KafkaCluster.freePort()}, new int[] {KafkaCluster.freePort(),
        KafkaCluster.freePort(), KafkaCluster.freePort()});
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /** A correlate instance in a JVM of its own, logging to a file. */
  static final class Instance implements AutoCloseable {
    final Path config;
    final Path log;
    Process process;

    Instance(Path config, Path log) {
      this.config = config;
      this.log = log;
    }

    Instance start() throws Exception {
      process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx200m",
          "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Ksiem.class.getName(), "correlate",
          "--config", config.toString()).redirectErrorStream(true).redirectOutput(
              ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      return this;
    }

    long pid() {
      return process.pid();
    }

    String output() throws Exception {
      return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
      if (process != null && process.isAlive()) {
        process.destroy();
        process.waitFor();
      }
    }
  }

  /** With no standby the takeover restores from the changelog: measured for comparison, and it must lose nothing. */
  @org.junit.jupiter.params.ParameterizedTest(name = "standby replicas: {0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {1, 0})
  void killingAnInstanceMidAttackLosesAndDoublesNothing(int standbys) throws Exception {
    InstanceStatus.Health healthy = standbys > 0 ? InstanceStatus.Health.REPLICATED : InstanceStatus.Health.AVAILABLE;
    String run = "fo" + Long.toString(System.nanoTime() % 1_000_000, 36);
    String prefix = run + ".";
    String registry = SharedServers.registryUrl();
    String es = SharedServers.elasticsearch().url();
    String bootstrap = kafka.bootstrapServers();
    Topics topics = new Topics(prefix, new SchemaRegistryClient(registry));
    StreamsApps.Common common = new StreamsApps.Common(bootstrap, registry, prefix,
        Files.createTempDirectory("ksiem-failover-state").toString(), ROUTED, (short) 3, true);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topics.events.name(), ROUTED, (short) 3))).all().get();
    }
    assertEquals(DIRECTIVES_USED, DirectivePublisher.push(bootstrap, topics, List.of(DIRECTIVES), List.of(ASSETS),
        ControlRecords.GroupBy.ID, 64, (short) 3).directives());
    topics.registerSchemas();

    List<Instance> instances = new ArrayList<>();
    try (AlarmsApp alarms = LocalPipeline.alarms(common, es, false, 1000,
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
      alarms.start();
      for (int i = 0; i < 3; i++) {
        Path config = Files.createTempFile("correlate-" + i, ".properties");
        Files.writeString(config, String.join("\n", "bootstrap.servers=" + bootstrap, "registry.url=" + registry,
            "topic.prefix=" + prefix, "state.dir=" + Files.createTempDirectory("correlate-" + i + "-state"),
            "partitions=" + ROUTED, "routed.partitions=" + ROUTED, "replication.factor=3", "standby.replicas=" + standbys));
        instances.add(new Instance(config, Files.createTempFile("correlate-" + i, ".log")).start());
      }
      try {
        List<InstanceStatus.Instance> before = awaitStatus(bootstrap, topics, 3, healthy, Duration.ofMinutes(3),
            instances);

        long t0 = Instant.now().getEpochSecond() - 120;
        List<NormalizedEvent> sent = new ArrayList<>();
        // stage 1 and two of stage 2's four events: every backlog sits at stage 2 of 3
        sent.addAll(produce(bootstrap, topics, run, t0, 0, 3));
        List<AlarmEvent> links = awaitLinks(bootstrap, topics, sent.size(), Duration.ofMinutes(2));
        assertEquals(sent.size(), links.size());

        before = InstanceStatus.read(bootstrap, topics).get("correlate");
        assertEquals(healthy, InstanceStatus.health(before), "standbys before the kill: " + before);
        InstanceStatus.Instance victim = before.stream().max(java.util.Comparator.comparingLong(
            i -> i.active().stream().filter(i.stateful()::contains).count())).orElseThrow();
        List<String> victimTasks = victim.active().stream().filter(victim.stateful()::contains).toList();
        assertFalse(victimTasks.isEmpty(), "the victim runs correlation tasks: " + before);
        for (InstanceStatus.Task t : InstanceStatus.tasks(before)) {
          if (victimTasks.contains(t.id())) {
            assertEquals(standbys, t.standbys().size(), "task " + t.id() + "'s standbys elsewhere");
          }
        }
        Instance killed = instances.stream().filter(i -> i.pid() == victim.pid()).findFirst().orElseThrow();

        killed.process.destroyForcibly();
        long killAt = System.currentTimeMillis();
        killed.process.waitFor();
        // the rest of stage 2 and all of stage 3, arriving after the kill
        sent.addAll(produce(bootstrap, topics, run, t0, 3, 9));
        links = awaitLinks(bootstrap, topics, sent.size(), Duration.ofMinutes(3));

        Set<String> once = new HashSet<>();
        for (AlarmEvent l : links) {
          assertTrue(once.add(l.getAlarmId() + "/" + l.getEventId()), "link written twice: " + l);
        }
        assertEquals(sent.size(), links.size(), "one link per event");
        PipelineFixture.assertElasticsearchHolds(es, PipelineFixture.replay(sent, DIRECTIVES, ASSETS),
            Duration.ofMinutes(2), run + "-");

        // takeover: from the kill until each of the victim's tasks served its first event elsewhere
        Map<String, Long> served = new TreeMap<>();
        Map<String, String> restored = new TreeMap<>();
        for (Instance i : instances) {
          if (i == killed) {
            continue;
          }
          String out = i.output();
          Matcher m = FIRST_EVENT.matcher(out);
          while (m.find()) {
            long at = Long.parseLong(m.group(2));
            if (victimTasks.contains(m.group(1)) && at > killAt) {
              served.merge(m.group(1), at - killAt, Math::min);
            }
          }
          Matcher r = RESTORED.matcher(out);
          while (r.find()) {
            restored.merge(i.pid() + "", r.group(1) + " records in " + r.group(2) + " ms", (a, b) -> a + ", " + b);
          }
        }
        assertEquals(new HashSet<>(victimTasks), served.keySet(), "every task of the killed instance served again");
        System.out.printf("failover with %d standby replicas: killed %s (tasks %s); first event served after the kill: %s ms; restores "
            + "on the survivors: %s%n", standbys, victim.id(), victimTasks, served, restored);
      } finally {
        for (Instance i : instances) {
          i.close();
        }
        // the other tests compare whole indices of the shared Elasticsearch
        deleteByQuery(es, "siem_alarms", "{\"query\":{\"range\":{\"directive_id\":{\"gte\":9101,\"lte\":9112}}}}");
        deleteByQuery(es, "siem_alarm_events-*", "{\"query\":{\"prefix\":{\"event_id\":\"" + run + "-\"}}}");
      }
    }
  }

  /** The integration-test Elasticsearch has no delete-by-query (a module): search, then delete by id in bulk. */
  static void deleteByQuery(String es, String index, String query) throws Exception {
    PipelineFixture.get(es, "/_refresh");
    String found = PipelineFixture.post(es, "/" + index + "/_search?size=10000", "application/json", query);
    StringBuilder bulk = new StringBuilder();
    for (var h : PipelineFixture.JSON.readTree(found).path("hits").path("hits")) {
      bulk.append("{\"delete\":{\"_index\":\"").append(h.get("_index").asText()).append("\",\"_id\":\"")
          .append(h.get("_id").asText()).append("\"}}\n");
    }
    if (bulk.length() > 0) {
      String r = PipelineFixture.post(es, "/_bulk?refresh=true", "application/x-ndjson", bulk.toString());
      assertFalse(PipelineFixture.JSON.readTree(r).path("errors").asBoolean(), r);
    }
  }

  /** Events {@code from}..{@code to}-1 of every attack: event 0 is stage 1, 1-4 stage 2, 5-8 stage 3. */
  static List<NormalizedEvent> produce(String bootstrap, Topics topics, String run, long t0, int from, int to)
      throws Exception {
    List<NormalizedEvent> out = new ArrayList<>();
    try (KafkaProducer<String, NormalizedEvent> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
        "acks", "all"), new StringSerializer(), topics.events.valueSerde().serializer())) {
      for (int n = from; n < to; n++) {
        for (int k = 1; k <= DIRECTIVES_USED; k++) {
          for (int a = 1; a <= ATTACKERS; a++) {
            String src = "198.18." + k + "." + a;
            NormalizedEvent e = event(run + "-" + k + "-" + a + "-" + n, t0 + n, src, "10.20.1." + a, k);
            // one attacker's events in one partition, so in order
            p.send(new ProducerRecord<>(topics.events.name(), src, e)).get();
            out.add(e);
          }
        }
      }
    }
    return out;
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
  static List<InstanceStatus.Instance> awaitStatus(String bootstrap, Topics topics, int n,
      InstanceStatus.Health health, Duration timeout, List<Instance> processes) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<InstanceStatus.Instance> last = List.of();
    while (System.nanoTime() < deadline) {
      try {
        last = InstanceStatus.read(bootstrap, topics).getOrDefault("correlate", List.of());
      } catch (Exception e) {
        // the status topic appears with the first instance
      }
      if (last.size() == n && last.stream().allMatch(i -> i.state().equals("RUNNING"))
          && InstanceStatus.health(last) == health) {
        return last;
      }
      Thread.sleep(1000);
    }
    StringBuilder logs = new StringBuilder();
    for (Instance p : processes) {
      logs.append("\n--- ").append(p.log).append(":\n").append(p.output());
    }
    throw new AssertionError("instances not running with standbys: " + last + logs);
  }

  /** Every committed link so far, once there are at least {@code n} (or the timeout passed). */
  static List<AlarmEvent> awaitLinks(String bootstrap, Topics topics, int n, Duration timeout) throws Exception {
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
}
