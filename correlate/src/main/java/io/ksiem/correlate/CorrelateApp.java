package io.ksiem.correlate;

import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.event.TimeBounds;
import io.ksiem.runtime.App;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.runtime.acl.AccessCheck;
import io.ksiem.runtime.acl.AppAcls;
import io.ksiem.schemas.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;

/** Runs the correlate topology: standby replicas and exactly-once on by default. */
public final class CorrelateApp implements AutoCloseable {
  /**
   * Settings beyond the common ones. {@code routedPartitions} is the partition count of the topic that carries
   * events to their directive groups, the most correlation tasks (and so instances) that can share the work.
   */
  public record Settings(StreamsApps.Common common, int routedPartitions, int standbyReplicas, int threads,
      Duration idle, Duration maxWait, TimeBounds bounds, CorrelationOptions engine, String applicationId,
      Map<String, String> rackTags, long rocksDbMemoryBytes) {
    public static final Duration IDLE = Duration.ofSeconds(10);
    /**
     * Five minutes: a failover of ingest or correlate (a 6 s session, a rebalance, a restore: seconds to a minute,
     * see docs/time-model.md) and a paused or starved instance must hold the clock, not be skipped; only a partition
     * no app feeds any more should be passed over, and five minutes is short against directives' windows.
     */
    public static final Duration MAX_WAIT = Duration.ofMinutes(5);

    public Settings(StreamsApps.Common common) {
      this(common, common.partitions(), 1, 1, IDLE, MAX_WAIT, TimeBounds.defaults(), CorrelationOptions.defaults(),
          App.CORRELATE.id(common.topicPrefix()), Map.of(), BoundedRocksDb.DEFAULT_MEMORY);
    }
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CorrelateApp.class);
  public static final int PROBING_REBALANCE_MS = 60_000;

  private final KafkaStreams streams;
  private final Topology topology;
  private final CorrelateStats stats = new CorrelateStats();
  private final RestoreLog restoring = new RestoreLog();
  private final InstanceStatus.Reporter status;

  public CorrelateApp(Settings s) throws Exception {
    Topics topics = new Topics(s.common().topicPrefix(), s.common().registry());
    List<io.ksiem.schemas.topic.Topic<?, ?>> used = List.of(topics.events, topics.directives, topics.assets,
        topics.alarms, topics.alarmEvents, topics.deadLetter, topics.status, topics.lateEvents);
    // a refused login or a missing ACL stops the app here, named, rather than inside a client
    AccessCheck.verify(s.common().kafka(), AppAcls.Role.CORRELATE, s.common().topicPrefix(),
        used.stream().map(io.ksiem.schemas.topic.Topic::name).toList(), List.of(s.applicationId()),
        s.applicationId() + "-", s.common().exactlyOnce() ? s.applicationId() + "-" : null);
    StreamsApps.createTopics(s.common(), used);
    topics.registerSchemas();
    int eventsPartitions = StreamsApps.partitionCount(s.common(), topics.events.name());
    topology = CorrelateTopology.build(topics, new Catalog(s.routedPartitions()),
        new CorrelateTopology.Options(s.routedPartitions(), eventsPartitions, s.engine(), s.idle(), s.maxWait(),
            s.bounds(), stats));
    Properties p = StreamsApps.properties(s.common(), io.ksiem.runtime.App.CORRELATE, s.applicationId(), topics);
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, s.standbyReplicas());
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
    p.put(BoundedRocksDb.MEMORY_CONFIG, Long.toString(s.rocksDbMemoryBytes()));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, s.threads());
    if (!s.rackTags().isEmpty()) {
      // Streams' client tags: a standby goes where the tag values differ from the active's (zone, node)
      s.rackTags().forEach((k, v) -> p.put(StreamsConfig.clientTagPrefix(k), v));
      p.put(StreamsConfig.RACK_AWARE_ASSIGNMENT_TAGS_CONFIG, String.join(",", s.rackTags().keySet()));
    }
    // a restarted or added instance first warms up as a standby, and takes tasks at the next probing rebalance:
    // after Kafka's 10 minutes it would idle that long, 1 minute is the least Streams allows
    p.put(StreamsConfig.PROBING_REBALANCE_INTERVAL_MS_CONFIG, PROBING_REBALANCE_MS);
    streams = new KafkaStreams(topology, p);
    StreamsApps.stopOnFailure(streams, io.ksiem.runtime.App.CORRELATE);
    streams.setGlobalStateRestoreListener(restoring);
    streams.setStandbyUpdateListener(new StandbyLog());
    List<String> tasks = new java.util.ArrayList<>();
    List<String> stateful = new java.util.ArrayList<>();
    for (var sub : topology.describe().subtopologies()) {
      boolean fromEvents = sub.nodes().stream().anyMatch(n -> n instanceof TopologyDescription.Source src
          && src.topicSet() != null && src.topicSet().contains(topics.events.name()));
      boolean holdsBacklogs = sub.nodes().stream().anyMatch(n -> n instanceof TopologyDescription.Processor pr
          && pr.stores().contains(CorrelateTopology.BACKLOG_STORE));
      for (int i = 0; i < (fromEvents ? eventsPartitions : s.routedPartitions()); i++) {
        tasks.add(sub.id() + "_" + i);
        if (holdsBacklogs) {
          stateful.add(sub.id() + "_" + i);
        }
      }
    }
    status = new InstanceStatus.Reporter(s.common().kafka(), topics, App.CORRELATE.shortName(), streams,
        tasks, stateful, CorrelateTopology.BACKLOG_STORE, stats);
  }

  /** What a restore cost: the failover tests and operators read these lines; and what restores now. */
  private static final class RestoreLog implements org.apache.kafka.streams.processor.StateRestoreListener {
    private final java.util.Map<org.apache.kafka.common.TopicPartition, Long> started =
        new java.util.concurrent.ConcurrentHashMap<>();

    boolean any() {
      return !started.isEmpty();
    }

    @Override
    public void onRestoreSuspended(org.apache.kafka.common.TopicPartition tp, String store, long total) {
      // the task moved away before its restore ended
      started.remove(tp);
    }

    @Override
    public void onRestoreStart(org.apache.kafka.common.TopicPartition tp, String store, long start, long end) {
      started.put(tp, System.currentTimeMillis());
      LOG.info("restoring {} from {}: offsets {} to {}", store, tp, start, end);
    }

    @Override
    public void onBatchRestored(org.apache.kafka.common.TopicPartition tp, String store, long end, long n) {
    }

    @Override
    public void onRestoreEnd(org.apache.kafka.common.TopicPartition tp, String store, long total) {
      Long t0 = started.remove(tp);
      LOG.info("restored {} from {}: {} records in {} ms", store, tp, total,
          t0 == null ? -1 : System.currentTimeMillis() - t0);
    }
  }

  /** What warming up a standby cost, until it first reached the changelog's end. */
  private static final class StandbyLog implements org.apache.kafka.streams.processor.StandbyUpdateListener {
    private final java.util.Map<org.apache.kafka.common.TopicPartition, long[]> loading =
        new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void onUpdateStart(org.apache.kafka.common.TopicPartition tp, String store, long start) {
      loading.put(tp, new long[] {System.currentTimeMillis(), 0});
    }

    @Override
    public void onBatchLoaded(org.apache.kafka.common.TopicPartition tp, String store,
        org.apache.kafka.streams.processor.TaskId task, long batchEnd, long n, long end) {
      long[] l = loading.get(tp);
      if (l == null) {
        return;
      }
      l[1] += n;
      // under exactly-once a commit marker follows the last record
      if (end - batchEnd <= 2) {
        loading.remove(tp);
        LOG.info("standby {} from {} caught up: {} records in {} ms", store, tp, l[1],
            System.currentTimeMillis() - l[0]);
      }
    }

    @Override
    public void onUpdateSuspended(org.apache.kafka.common.TopicPartition tp, String store, long at, long end,
        SuspendReason reason) {
      loading.remove(tp);
    }
  }

  public Topology topology() {
    return topology;
  }

  public CorrelateStats stats() {
    return stats;
  }

  public KafkaStreams streams() {
    return streams;
  }

  /** Alive: running, rebalancing or starting; not failed, stopping or stopped (then restart it). */
  public boolean live() {
    return StreamsApps.isLive(streams);
  }

  /** Ready: running, with no active task restoring its state, so every task it has correlates now. */
  public boolean ready() {
    return streams.state() == KafkaStreams.State.RUNNING && !restoring.any();
  }

  private volatile long standbyLagAt;
  private volatile double standbyLag = Double.NaN;

  /** Its meters on {@code metrics} (docs/operations.md); call before {@link #start()}. */
  public void bindTo(io.ksiem.runtime.AppMetrics metrics) {
    stats.bindTo(metrics.registry());
    metrics.bind(streams);
    io.micrometer.core.instrument.Gauge.builder("ksiem.correlate.standby.lag", this, CorrelateApp::standbyLag)
        .description("changelog records the standby copies of backlog state here are behind, over them")
        .baseUnit("records").register(metrics.registry());
    metrics.readiness(this::ready);
  }

  /** Read at most every 5 s: Streams computes the lags from the end offsets it fetched last. */
  private double standbyLag() {
    long now = System.currentTimeMillis();
    if (now - standbyLagAt < 5000) {
      return standbyLag;
    }
    standbyLagAt = now;
    try {
      java.util.Set<Integer> standbys = new java.util.HashSet<>();
      for (var t : streams.metadataForLocalThreads()) {
        t.standbyTasks().forEach(task -> standbys.add(task.taskId().partition()));
      }
      var lags = streams.allLocalStorePartitionLags().getOrDefault(CorrelateTopology.BACKLOG_STORE,
          java.util.Map.of());
      long sum = 0;
      for (var e : lags.entrySet()) {
        if (standbys.contains(e.getKey())) {
          sum += Math.max(0, e.getValue().offsetLag());
        }
      }
      standbyLag = sum;
    } catch (RuntimeException e) {
      // not running (yet, or any more): no figure rather than a wrong one
      standbyLag = Double.NaN;
    }
    return standbyLag;
  }

  public void start() {
    streams.start();
    status.start();
  }

  /** This instance's name in the status topic. */
  public String instanceId() {
    return status.id();
  }

  @Override
  public void close() {
    status.close();
    streams.close(Duration.ofSeconds(30));
  }
}
