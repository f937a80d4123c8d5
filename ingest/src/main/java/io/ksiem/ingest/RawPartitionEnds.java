package io.ksiem.ingest;

import io.ksiem.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link UpstreamPositions} from the broker: every {@link #INTERVAL}, the end (last stable offset) of each raw
 * partition and ingest's committed offsets, by one admin client per instance. A declaration is therefore at most
 * about one interval older than what it says; docs/time-model.md says what that costs. The group's committed offset
 * counts too: after a restart a task has processed nothing yet, and a partition whose last records are a
 * transaction's marker ends one offset past its last record, which only the committed offset (the consumer's
 * position) passes. A partition whose start is its end (empty, or emptied by retention) has nothing unread.
 */
final class RawPartitionEnds implements UpstreamPositions, AutoCloseable {
  static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Logger LOG = LoggerFactory.getLogger(RawPartitionEnds.class);
  private static final io.ksiem.runtime.RateLimitedLog REFUSED = new io.ksiem.runtime.RateLimitedLog(LOG, 1,
      Duration.ofMinutes(1));

  private final Admin admin;
  private final String groupId;
  private final List<String> rawTopics;
  private final String eventsTopic;
  private final Thread thread;
  private volatile Map<TopicPartition, Long> ends = Map.of();
  private volatile Map<TopicPartition, Long> committed = Map.of();
  private volatile Map<TopicPartition, Long> starts = Map.of();
  private volatile int[] feeders = new int[0];
  private volatile boolean running = true;

  RawPartitionEnds(io.ksiem.runtime.KafkaClients kafka, String groupId, Topics topics, List<String> sources) {
    this.admin = Admin.create(kafka.config(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, groupId + "-raw-ends")));
    this.groupId = groupId;
    this.rawTopics = sources.stream().map(s -> topics.raw(s).name()).toList();
    this.eventsTopic = topics.events.name();
    this.thread = new Thread(this::run, "ksiem-raw-ends");
    thread.setDaemon(true);
  }

  /**
   * Learns the feeder counts before the app's first event, so that every event ingest writes carries one: a router
   * that sees events with no count cannot know whom to wait for (docs/time-model.md). A broker that does not
   * answer leaves that to the thread.
   */
  void start() {
    try {
      describe();
    } catch (Exception e) {
      LOG.debug("raw topics not described before start: {}", e.toString());
    }
    thread.start();
  }

  /** The raw partitions, and the feeder count of each events partition. */
  private List<TopicPartition> describe() throws Exception {
    List<String> names = new ArrayList<>(rawTopics);
    names.add(eventsTopic);
    var described = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
    List<TopicPartition> p = new ArrayList<>();
    int n = described.get(eventsTopic).partitions().size();
    int[] f = new int[n];
    for (String t : rawTopics) {
      int count = described.get(t).partitions().size();
      for (int r = 0; r < count; r++) {
        p.add(new TopicPartition(t, r));
        f[r % n]++;
      }
    }
    for (int e = 0; e < n; e++) {
      if (f[e] == 0 && feeders.length != n) {
        LOG.warn("events partition {} has no raw partition feeding it (the raw topics have fewer partitions "
            + "than {}): it is never declared idle and holds correlation's clock for max.wait", e, eventsTopic);
      }
    }
    feeders = f;
    return p;
  }

  private void run() {
    List<TopicPartition> parts = List.of();
    long describedAt = 0;
    while (running) {
      try {
        if (parts.isEmpty() || System.nanoTime() - describedAt > TimeUnit.SECONDS.toNanos(30)) {
          parts = describe();
          describedAt = System.nanoTime();
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        parts.forEach(tp -> {
          latest.put(tp, OffsetSpec.latest());
          earliest.put(tp, OffsetSpec.earliest());
        });
        Map<TopicPartition, Long> st = new HashMap<>();
        admin.listOffsets(earliest).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> st.put(tp, info.offset()));
        Map<TopicPartition, Long> e = new HashMap<>();
        admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
            .get(10, TimeUnit.SECONDS).forEach((tp, info) -> e.put(tp, info.offset()));
        Map<TopicPartition, Long> c = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> got = admin.listConsumerGroupOffsets(groupId)
            .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        got.forEach((tp, om) -> {
          if (om != null) {
            c.put(tp, om.offset());
          }
        });
        // a reader that sees new commits with old ends is still told the truth; the other mix only delays
        committed = c;
        starts = st;
        ends = e;
      } catch (InterruptedException ie) {
        return;
      } catch (Exception ex) {
        // no declarations while the broker does not answer: the clock waits, which is safe
        ends = Map.of();
        Throwable cause = ex instanceof java.util.concurrent.ExecutionException && ex.getCause() != null
            ? ex.getCause() : ex;
        if (cause instanceof org.apache.kafka.common.errors.AuthorizationException
            || cause instanceof org.apache.kafka.common.errors.AuthenticationException) {
          // not a broker away but a refusal, which waiting does not end: say so (AppAcls lists the grants)
          REFUSED.warn("raw partition ends unavailable, no idleness declarations: {}", cause.toString());
        } else {
          LOG.debug("raw partition ends unavailable: {}", ex.toString());
        }
      }
      try {
        Thread.sleep(INTERVAL.toMillis());
      } catch (InterruptedException ie) {
        return;
      }
    }
  }

  @Override
  public boolean caughtUp(TopicPartition tp, long next) {
    Long end = ends.get(tp);
    if (end == null) {
      return false;
    }
    return caughtUp(next, end, committed.get(tp), starts.get(tp));
  }

  /**
   * Nothing is unread in a partition that ends at {@code end} when the task has processed up to it ({@code next}),
   * its group has committed up to it ({@code committed}, or null), or the partition starts there ({@code start}, or
   * null): an empty partition, or one emptied by retention.
   */
  static boolean caughtUp(long next, long end, Long committed, Long start) {
    return next >= end || (committed != null && committed >= end) || (start != null && start >= end);
  }

  @Override
  public int feedersWith(int rawPartition) {
    int[] f = feeders;
    return f.length == 0 ? 0 : f[rawPartition % f.length];
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    admin.close(Duration.ofSeconds(5));
  }
}
