package io.ksiem.correlate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.ThreadMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each correlate instance holds, published to the status topic every {@link #INTERVAL}: the group protocol
 * keeps standby assignments inside the instances, so only they can say where the warm copies are and how far behind.
 * {@code ksiem status} and the failover tests read it.
 */
public final class InstanceStatus {
  public static final Duration INTERVAL = Duration.ofSeconds(2);
  /** An instance not heard from for this long is gone. */
  public static final Duration GONE = Duration.ofSeconds(10);
  /** A standby this close to its active task's changelog end counts as caught up (Streams' acceptable lag). */
  public static final long CAUGHT_UP = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(InstanceStatus.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One instance as it last reported. {@code standby}: task to changelog records behind; {@code late}: late events
   * since it started, by {@code partition/group} in {@code lateByGroup}; {@code waiting}: events waiting for the
   * clock.
   */
  public record Instance(String app, String id, String host, long pid, String state, long updated,
      List<String> tasks, List<String> stateful, List<String> active, Map<String, Long> standby, long late,
      Map<String, Long> lateByGroup, long waiting, long refusedBacklogs, long droppedAddresses,
      long droppedCustomData, long rocksDbBytes) {
  }

  /** Where a task runs: its active instance (null: none) and its standbys with their lag. */
  public record Task(String id, boolean stateful, String active, Map<String, Long> standbys) {
  }

  /** The word for a component, as Threat Grid's clustering page gives it. */
  public enum Health { REPLICATED, AVAILABLE, UNAVAILABLE }

  private InstanceStatus() {
  }

  /** Publishes this instance's status until closed; the last act is a tombstone, so a clean stop leaves no ghost. */
  public static final class Reporter implements AutoCloseable {
    private final KafkaProducer<String, String> producer;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ksiem-status");
      t.setDaemon(true);
      return t;
    });
    private final String topic;
    private final String key;
    private final String app;
    private final String id;
    private final KafkaStreams streams;
    private final List<String> tasks;
    private final List<String> stateful;
    private final String store;
    private final CorrelateStats stats;

    /** {@code tasks}: every task of the topology; {@code stateful}: those whose state {@code store} holds. */
    public Reporter(io.ksiem.runtime.KafkaClients kafka, Topics topics, String app, KafkaStreams streams,
        List<String> tasks,
        List<String> stateful, String store, CorrelateStats stats) {
      this.stats = stats;
      this.producer = new KafkaProducer<>(kafka.config(Map.of(ProducerConfig.ACKS_CONFIG, "all",
          ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000)), new StringSerializer(), new StringSerializer());
      this.topic = topics.status.name();
      this.app = app;
      this.id = instanceId();
      this.key = app + "/" + id;
      this.streams = streams;
      this.tasks = List.copyOf(tasks);
      this.stateful = List.copyOf(stateful);
      this.store = store;
    }

    public String id() {
      return id;
    }

    public void start() {
      timer.scheduleAtFixedRate(this::report, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void report() {
      try {
        producer.send(new ProducerRecord<>(topic, key, JSON.writeValueAsString(snapshot())));
      } catch (Exception e) {
        LOG.warn("status not published: {}", e.toString());
      }
    }

    ObjectNode snapshot() {
      ObjectNode o = JSON.createObjectNode();
      o.put("app", app).put("id", id).put("host", host()).put("pid", ProcessHandle.current().pid())
          .put("state", streams.state().name()).put("updated", System.currentTimeMillis());
      o.put("late", stats.lateEvents()).put("waiting", stats.waitingEvents())
          .put("refusedBacklogs", stats.refusedBacklogs()).put("droppedAddresses", stats.droppedAddresses())
          .put("droppedCustomData", stats.droppedCustomData()).put("rocksDbBytes", BoundedRocksDb.usage());
      ObjectNode lateBy = o.putObject("lateByGroup");
      stats.lateByTaskAndGroup().forEach(lateBy::put);
      tasks.forEach(o.putArray("tasks")::add);
      stateful.forEach(o.putArray("stateful")::add);
      var active = o.putArray("active");
      ObjectNode standby = o.putObject("standby");
      Map<Integer, LagInfo> lags = Map.of();
      try {
        lags = streams.allLocalStorePartitionLags().getOrDefault(store, Map.of());
      } catch (RuntimeException e) {
        // not while the instance is starting or rebalancing: report the tasks without lags
      }
      try {
        for (ThreadMetadata t : streams.metadataForLocalThreads()) {
          t.activeTasks().forEach(m -> active.add(m.taskId().toString()));
          for (var m : t.standbyTasks()) {
            LagInfo lag = lags.get(m.taskId().partition());
            standby.put(m.taskId().toString(), lag == null ? -1 : lag.offsetLag());
          }
        }
      } catch (RuntimeException e) {
        // not running (yet): no tasks
      }
      return o;
    }

    @Override
    public void close() {
      timer.shutdownNow();
      try {
        producer.send(new ProducerRecord<>(topic, key, null)).get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("status tombstone not published: {}", e.toString());
      }
      producer.close(Duration.ofSeconds(5));
    }
  }

  /** host-pid: unique on a host, readable in `ksiem status`. */
  static String instanceId() {
    return host() + "-" + ProcessHandle.current().pid();
  }

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "unknown-host";
    }
  }

  /** The instances of every app that reported within {@link #GONE}, by app. */
  public static Map<String, List<Instance>> read(String bootstrap, Topics topics) throws Exception {
    return read(io.ksiem.runtime.KafkaClients.of(bootstrap), topics);
  }

  public static Map<String, List<Instance>> read(io.ksiem.runtime.KafkaClients kafka, Topics topics)
      throws Exception {
    Map<String, Instance> latest = new TreeMap<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(kafka.config(), new StringDeserializer(),
        new StringDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topics.status.name(), Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          if (r.value() == null) {
            latest.remove(r.key());
          } else {
            latest.put(r.key(), parse(JSON.readTree(r.value())));
          }
        }
      }
    }
    long now = System.currentTimeMillis();
    Map<String, List<Instance>> byApp = new TreeMap<>();
    for (Instance i : latest.values()) {
      if (now - i.updated() <= GONE.toMillis()) {
        byApp.computeIfAbsent(i.app(), a -> new ArrayList<>()).add(i);
      }
    }
    return byApp;
  }

  private static Instance parse(JsonNode n) {
    Map<String, Long> standby = new TreeMap<>();
    n.path("standby").fields().forEachRemaining(e -> standby.put(e.getKey(), e.getValue().asLong()));
    Map<String, Long> lateBy = new TreeMap<>();
    n.path("lateByGroup").fields().forEachRemaining(e -> lateBy.put(e.getKey(), e.getValue().asLong()));
    return new Instance(n.path("app").asText(), n.path("id").asText(), n.path("host").asText(),
        n.path("pid").asLong(), n.path("state").asText(), n.path("updated").asLong(), strings(n.path("tasks")),
        strings(n.path("stateful")), strings(n.path("active")), standby, n.path("late").asLong(), lateBy,
        n.path("waiting").asLong(), n.path("refusedBacklogs").asLong(), n.path("droppedAddresses").asLong(),
        n.path("droppedCustomData").asLong(), n.path("rocksDbBytes").asLong());
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(x -> out.add(x.asText()));
    return out;
  }

  /** Every task the instances know of, with where it runs. */
  public static List<Task> tasks(List<Instance> instances) {
    TreeSet<String> all = new TreeSet<>();
    TreeSet<String> stateful = new TreeSet<>();
    instances.forEach(i -> {
      all.addAll(i.tasks());
      all.addAll(i.active());
      all.addAll(i.standby().keySet());
      stateful.addAll(i.stateful());
    });
    List<Task> out = new ArrayList<>();
    for (String t : all) {
      String active = null;
      Map<String, Long> standbys = new TreeMap<>();
      for (Instance i : instances) {
        if (i.active().contains(t)) {
          active = i.id();
        }
        if (i.standby().containsKey(t)) {
          standbys.put(i.id(), i.standby().get(t));
        }
      }
      out.add(new Task(t, stateful.contains(t), active, standbys));
    }
    return out;
  }

  /**
   * Replicated: every task runs and every stateful task has a caught-up standby; Available: every task runs;
   * Unavailable: no instance, or some task runs nowhere.
   */
  public static Health health(List<Instance> instances) {
    if (instances.isEmpty()) {
      return Health.UNAVAILABLE;
    }
    boolean replicated = true;
    for (Task t : tasks(instances)) {
      if (t.active() == null) {
        return Health.UNAVAILABLE;
      }
      if (t.stateful() && t.standbys().values().stream().noneMatch(l -> l >= 0 && l <= CAUGHT_UP)) {
        replicated = false;
      }
    }
    return replicated ? Health.REPLICATED : Health.AVAILABLE;
  }
}
