package io.ksiem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.alarm.AlarmLink;
import io.ksiem.alarm.AlarmOutput;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.asset.AssetLoader;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.correlate.InstanceStatus;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.engine.Engine;
import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.KafkaCluster;
import io.ksiem.servers.SharedServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The pipeline time model (docs/time-model.md) on real servers: raw dsiem events, written at full speed to four
 * partitions, through two ingest and two correlate instances, each a JVM of its own; the committed alarm-event links
 * must equal what the engine gives over the same events in time order, exactly, while a busy-loop competes for the
 * CPU, while an ingest instance is paused (SIGSTOP) for 30 s, and when a correlate instance is killed (kill -9).
 *
 * <p>The directives' stages allow 30 s: a task whose clock ran past a paused or starved partition would expire that
 * partition's backlogs before their later events came, and their links would differ (new backlogs, other alarms).
 */
class NothingLostTest {
  static final Path DIRECTIVES = Path.of("src", "test", "resources", "timemodel", "directives_timemodel.json");
  static final int PARTITIONS = 4;
  static final int ATTACKS = 1200;
  /** Events per attack: stage 1, four of stage 2, four of stage 3, a second apart. */
  static final int STEPS = 9;

  @Test
  void withABusyLoopCompetingForTheCpu() throws Exception {
    Process busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    try {
      run("busy", (rig, half) -> half.run());
    } finally {
      busy.destroyForcibly().waitFor();
    }
  }

  @Test
  void withAnIngestInstancePausedFor30Seconds() throws Exception {
    run("pause", (rig, half) -> {
      FailoverRig.Instance paused = rig.ingest.get(0);
      paused.pause();
      try {
        half.run();
        Thread.sleep(30_000);
      } finally {
        paused.resume();
      }
    });
  }

  @Test
  void withACorrelateInstanceKilled() throws Exception {
    run("kill", (rig, half) -> {
      rig.correlate.get(0).kill();
      half.run();
    });
  }

  interface Step {
    void run() throws Exception;
  }

  /** What a run does once the first half of the events has been correlated in part; {@code half} sends the rest. */
  interface Disturbance {
    void apply(Rig rig, Step half) throws Exception;
  }

  private void run(String name, Disturbance disturbance) throws Exception {
    try (Rig rig = new Rig(SharedServers.kafka().bootstrapServers(), name)) {
      List<byte[]> events = rig.events();
      Set<String> expected = expectedLinks(events);
      assertEquals(ATTACKS * STEPS, expected.size(), "every attack correlates in full in time order");
      rig.start();
      int half = events.size() / 2;
      rig.send(events.subList(0, half));
      Set<String> seen = new HashSet<>();
      List<String> duplicates = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> links = rig.linkReader()) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (seen.size() < expected.size() / 5 && System.nanoTime() < deadline) {
          rig.poll(links, seen, duplicates);
        }
        assertTrue(seen.size() >= expected.size() / 5, name + ": links of the first half: " + seen.size());
        disturbance.apply(rig, () -> rig.send(events.subList(half, events.size())));
        deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline && (seen.size() < expected.size()
            || System.nanoTime() - quietSince < Duration.ofSeconds(5).toNanos())) {
          if (rig.poll(links, seen, duplicates) > 0) {
            quietSince = System.nanoTime();
          }
        }
      }
      Set<String> missing = new TreeSet<>(expected);
      missing.removeAll(seen);
      Set<String> extra = new TreeSet<>(seen);
      extra.removeAll(expected);
      long late = rig.count(rig.topics.lateEvents.name());
      System.out.printf("nothing lost, %s: %d links committed, %d expected; %d missing, %d not expected, "
          + "%d duplicates, %d late events%n", name, seen.size(), expected.size(), missing.size(), extra.size(),
          duplicates.size(), late);
      assertEquals(Set.of(), first(missing), name + ": links the engine gives in time order but the pipeline lost "
          + "(" + missing.size() + "); logs in " + rig.logs());
      assertEquals(Set.of(), first(extra), name + ": links the pipeline gave but time order does not");
      assertEquals(List.of(), duplicates, name + ": links committed twice");
      assertEquals(0, late, name + ": late events");
    }
  }

  private static Set<String> first(Set<String> s) {
    return new TreeSet<>(s.stream().limit(10).toList());
  }

  /** {@code alarm_id/stage/event_id} of every link the engine gives over the events in time order. */
  static Set<String> expectedLinks(List<byte[]> raw) throws Exception {
    Set<String> out = new HashSet<>();
    AlarmOutput sink = new AlarmOutput() {
      @Override
      public void alarm(AlarmSnapshot snapshot) {
      }

      @Override
      public void link(AlarmLink link) {
        out.add(link.alarmId() + "/" + link.stage() + "/" + link.eventId());
      }
    };
    Engine engine = new Engine(new DirectiveLoader().loadPaths(List.of(DIRECTIVES)).directives(),
        new AssetLoader().loadPaths(List.of(FailoverRig.ASSETS)).assets(), CorrelationOptions.defaults(), sink);
    EventParser parser = new EventParser();
    List<Event> events = new ArrayList<>();
    for (byte[] line : raw) {
      events.add(parser.parse(line).event());
    }
    // stable: events of one second keep their order
    events.sort(java.util.Comparator.comparingLong(e -> e.time));
    events.forEach(engine::process);
    return out;
  }

  /** One run's topics, directives and processes, under a prefix of its own. */
  static final class Rig implements AutoCloseable {
    final String bootstrap;
    final String registry = SharedServers.registryUrl();
    final String prefix;
    final Topics topics;
    final List<FailoverRig.Instance> ingest = new ArrayList<>();
    final List<FailoverRig.Instance> correlate = new ArrayList<>();
    private final KafkaProducer<byte[], byte[]> producer;

    Rig(String bootstrap, String name) throws Exception {
      this.bootstrap = bootstrap;
      this.prefix = "nl" + name + Long.toString(System.nanoTime() % 100_000, 36) + ".";
      this.topics = new Topics(prefix, new SchemaRegistryClient(registry));
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        admin.createTopics(List.of(new NewTopic(topics.raw("dsiem").name(), PARTITIONS, (short) 1)
            .configs(topics.raw("dsiem").config()), new NewTopic(topics.events.name(), PARTITIONS, (short) 1)
            .configs(topics.events.config()))).all().get();
      }
      DirectivePublisher.push(bootstrap, topics, List.of(DIRECTIVES), List.of(FailoverRig.ASSETS),
          ControlRecords.GroupBy.ID, 64, (short) 1);
      producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", 5),
          new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Attacks two seconds apart, each on a directive of its own sid and from an attacker of its own, over 40
     * minutes of event time two hours ago: with 30 s stages, a clock that runs ahead of one partition expires its
     * backlogs.
     */
    List<byte[]> events() {
      long t0 = Instant.now().getEpochSecond() - 7200;
      List<Map.Entry<Long, byte[]>> out = new ArrayList<>();
      for (int a = 0; a < ATTACKS; a++) {
        int k = a % 12 + 1;
        String src = "198.51." + (a / 250) + "." + (a % 250 + 1);
        for (int n = 0; n < STEPS; n++) {
          long t = t0 + 2L * a + n;
          out.add(Map.entry(t, ("{\"event_id\":\"" + prefix + a + "-" + n + "\",\"timestamp\":\""
              + Instant.ofEpochSecond(t)
              + "\",\"title\":\"time model test\",\"sensor\":\"nl\",\"src_ip\":\"" + src + "\",\"dst_ip\":\"10.20.1."
              + (a % 3 + 1) + "\",\"src_port\":40000,\"dst_port\":443,\"protocol\":\"TCP\",\"plugin_id\":9001,"
              + "\"plugin_sid\":" + k + "}").getBytes(StandardCharsets.UTF_8)));
        }
      }
      // in time order, as a shipper reads its log (stable: one attack's events keep theirs)
      out.sort(Map.Entry.comparingByKey());
      return out.stream().map(Map.Entry::getValue).toList();
    }

    /** The attacker is the key: one attacker's events in one raw partition, in order. */
    void send(List<byte[]> lines) throws Exception {
      List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
      for (byte[] l : lines) {
        String s = new String(l, StandardCharsets.UTF_8);
        String src = s.replaceAll(".*\"src_ip\":\"([^\"]+)\".*", "$1");
        acks.add(producer.send(new ProducerRecord<>(topics.raw("dsiem").name(), src.getBytes(StandardCharsets.UTF_8),
            l)));
      }
      for (var f : acks) {
        f.get();
      }
    }

    void start() throws Exception {
      for (int i = 0; i < 2; i++) {
        ingest.add(instance("ingest", i, -1));
        correlate.add(instance("correlate", i, KafkaCluster.freePort()));
      }
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      List<InstanceStatus.Instance> last = List.of();
      while (System.nanoTime() < deadline) {
        last = InstanceStatus.read(bootstrap, topics).getOrDefault("correlate", List.of());
        if (last.size() == 2 && last.stream().allMatch(i -> i.state().equals("RUNNING"))
            && InstanceStatus.health(last) == InstanceStatus.Health.REPLICATED && ingestMembers() == 2) {
          return;
        }
        Thread.sleep(500);
      }
      throw new AssertionError("the apps did not settle: " + last + "; logs in " + logs());
    }

    private int ingestMembers() throws Exception {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        String group = io.ksiem.runtime.App.INGEST.id(prefix);
        return admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().size();
      }
    }

    private FailoverRig.Instance instance(String app, int i, int httpPort) throws Exception {
      Path config = Files.createTempFile(prefix + app + i, ".properties");
      Files.writeString(config, String.join("\n", "bootstrap.servers=" + bootstrap, "registry.url=" + registry,
          "topic.prefix=" + prefix, "state.dir=" + Files.createTempDirectory(prefix + app + i + "-state"),
          "partitions=" + PARTITIONS, "routed.partitions=" + PARTITIONS, "replication.factor=1",
          "standby.replicas=1", "http.host=127.0.0.1", "http.port=" + httpPort));
      return new FailoverRig.Instance(app, config, Files.createTempFile(prefix + app + i, ".log"), httpPort).start();
    }

    String logs() {
      List<String> out = new ArrayList<>();
      ingest.forEach(i -> out.add(i.log.toString()));
      correlate.forEach(i -> out.add(i.log.toString()));
      return String.join(", ", out);
    }

    KafkaConsumer<byte[], byte[]> linkReader() {
      KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
          bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(),
          new ByteArrayDeserializer());
      List<TopicPartition> parts = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        parts.add(new TopicPartition(topics.alarmEvents.name(), p));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      return c;
    }

    /** Adds the links one poll gives to {@code seen}, a link already there to {@code duplicates}; how many came. */
    int poll(KafkaConsumer<byte[], byte[]> c, Set<String> seen, List<String> duplicates) {
      int n = 0;
      for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
        AlarmEvent l = topics.alarmEvents.valueSerde().deserializer().deserialize(r.topic(), r.value());
        String k = l.getAlarmId() + "/" + l.getStage() + "/" + l.getEventId();
        if (!seen.add(k)) {
          duplicates.add(k);
        }
        n++;
      }
      return n;
    }

    /** Committed records of a topic (none when it does not exist). */
    long count(String topic) throws Exception {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        if (!admin.listTopics().names().get().contains(topic)) {
          return 0;
        }
      }
      try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
          bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(),
          new ByteArrayDeserializer())) {
        List<TopicPartition> parts = c.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        Map<TopicPartition, Long> end = c.endOffsets(parts);
        long n = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (parts.stream().anyMatch(p -> c.position(p) < end.get(p)) && System.nanoTime() < deadline) {
          n += c.poll(Duration.ofMillis(200)).count();
        }
        return n;
      }
    }

    @Override
    public void close() throws Exception {
      producer.close();
      for (FailoverRig.Instance i : ingest) {
        i.close();
      }
      for (FailoverRig.Instance i : correlate) {
        i.close();
      }
    }
  }
}
