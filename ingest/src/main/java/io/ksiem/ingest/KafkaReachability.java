package io.ksiem.ingest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka can take the intake's events now, so that a request is answered 503 at once while it cannot rather
 * than waiting out the producer's delivery timeout. A probe runs in the background (by default the raw topic's
 * metadata, fetched by an {@link Admin} within a short timeout: at least one partition must have a leader); a send
 * that fails because the cluster did not answer marks Kafka unreachable too, and the next successful probe or
 * acknowledgement marks it reachable. Listeners hear when it becomes unreachable, so requests that wait for an
 * acknowledgement can be answered 503 then.
 */
final class KafkaReachability implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaReachability.class);

  /** One look at the cluster: returns when it can take events, throws why not. */
  interface Probe {
    void check() throws Exception;
  }

  private final Probe probe;
  private final AutoCloseable probeResources;
  private final ScheduledExecutorService timer;
  private final List<Runnable> onUnreachable = new CopyOnWriteArrayList<>();
  private volatile String unreachable;

  KafkaReachability(Probe probe, AutoCloseable probeResources, Duration interval) {
    this.probe = probe;
    this.probeResources = probeResources;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ksiem-http-intake-kafka-probe");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::probeOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Probes the raw topic's metadata with an admin client of the same connection settings as the producer. */
  static KafkaReachability ofTopic(io.ksiem.runtime.KafkaClients kafka, String topic, Duration timeout,
      Duration interval) {
    Admin admin = Admin.create(kafka.config(Map.of("request.timeout.ms", (int) timeout.toMillis(),
        "default.api.timeout.ms", (int) timeout.toMillis())));
    return new KafkaReachability(() -> {
      TopicDescription d = admin.describeTopics(List.of(topic), new DescribeTopicsOptions()
          .timeoutMs((int) timeout.toMillis())).allTopicNames().get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS)
          .get(topic);
      if (d.partitions().stream().noneMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
        throw new IllegalStateException("no partition of " + topic + " has a leader");
      }
    }, admin, interval);
  }

  /** Null while Kafka is reachable, else why not. */
  String unreachable() {
    return unreachable;
  }

  /** Runs {@code r} whenever Kafka becomes unreachable. */
  void onUnreachable(Runnable r) {
    onUnreachable.add(r);
  }

  /** What a send's acknowledgement said: null, it was written. */
  void acknowledged(Exception failure) {
    if (failure == null) {
      reachable();
    } else if (failure instanceof RetriableException || failure.getCause() instanceof RetriableException) {
      // the cluster did not answer in time, or its leaders moved away; an authorization or size error is the
      // event's own and says nothing about reachability
      unreachable("a send failed: " + failure.getClass().getSimpleName());
    }
  }

  private void probeOnce() {
    try {
      probe.check();
      reachable();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause()
          : e;
      unreachable("metadata could not be fetched: " + cause.getClass().getSimpleName());
    }
  }

  private void reachable() {
    boolean became;
    synchronized (this) {
      became = unreachable != null;
      unreachable = null;
    }
    if (became) {
      LOG.info("Kafka is reachable again; POST /events takes events");
    }
  }

  private void unreachable(String why) {
    String message = "Kafka is unreachable (" + why + ")";
    boolean became;
    synchronized (this) {
      became = unreachable == null;
      unreachable = message;
    }
    if (became) {
      LOG.warn("{}; POST /events answers 503 until it is back", message);
      onUnreachable.forEach(Runnable::run);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
      if (probeResources != null) {
        probeResources.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("closing the Kafka probe: {}", e.toString());
    }
  }
}
