package io.ksiem.correlate;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What an instance's tasks report for `ksiem status`, the live view and metrics: live backlogs and waiting events
 * per partition, late events per task and directive group, tombstones skipped, what the engine's caps refused. Group names come from the directive
 * set, so the late counts' keys are bounded by it.
 */
public final class CorrelateStats {
  private final Map<Integer, Integer> liveBacklogs = new ConcurrentHashMap<>();
  private final Map<Integer, Long> waiting = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> late = new ConcurrentHashMap<>();
  private final AtomicLong lateTotal = new AtomicLong();
  private final AtomicLong tombstones = new AtomicLong();
  private final Map<Integer, io.ksiem.engine.CapCounts> caps = new ConcurrentHashMap<>();
  private final CorrelateMeters meters = new CorrelateMeters();

  /** Counts from now on into {@code registry} too (docs/operations.md). */
  public void bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
    meters.bindTo(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("ksiem.tombstones", this, CorrelateStats::tombstones)
        .description("tombstones skipped on an input").tag("stage", "correlate").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("ksiem.correlate.cap.refused.events", this,
        CorrelateStats::refusedBacklogs).description("events refused because their directive had its most live "
        + "backlogs (docs/limits.md), over the tasks here now").register(registry);
  }

  CorrelateMeters meters() {
    return meters;
  }

  /** What the engine's caps refused and left out on {@code partition} since its engine was built. */
  void caps(int partition, io.ksiem.engine.CapCounts counts) {
    caps.put(partition, counts);
  }

  /** Events refused because their directive had its most live backlogs (docs/limits.md). */
  public long refusedBacklogs() {
    return caps.values().stream().mapToLong(io.ksiem.engine.CapCounts::refusedBacklogsTotal).sum();
  }

  /** Addresses left out of full lists. */
  public long droppedAddresses() {
    return caps.values().stream().mapToLong(io.ksiem.engine.CapCounts::droppedAddresses).sum();
  }

  /** Custom data pairs left out of full backlogs. */
  public long droppedCustomData() {
    return caps.values().stream().mapToLong(io.ksiem.engine.CapCounts::droppedCustomData).sum();
  }

  void live(int partition, int backlogs) {
    liveBacklogs.put(partition, backlogs);
  }

  void waiting(int partition, long events) {
    waiting.put(partition, events);
  }

  void gone(int partition) {
    meters.gone(partition);
    liveBacklogs.remove(partition);
    waiting.remove(partition);
    caps.remove(partition);
  }

  /** A late event on {@code partition} that the directives of {@code groups} could match. */
  void late(int partition, java.util.Collection<String> groups) {
    lateTotal.incrementAndGet();
    meters.late(partition);
    for (String g : groups.isEmpty() ? java.util.List.of("") : groups) {
      late.computeIfAbsent(partition + "/" + g, k -> new AtomicLong()).incrementAndGet();
    }
  }

  void tombstone() {
    tombstones.incrementAndGet();
  }

  /** Live backlogs over the partitions this instance runs. */
  public int liveBacklogs() {
    return liveBacklogs.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Live backlogs of one partition's task, NaN when it is not here. */
  double liveBacklogs(int partition) {
    Integer n = liveBacklogs.get(partition);
    return n == null ? Double.NaN : n;
  }

  /** Events waiting in one partition's store, NaN when its task is not here. */
  double waitingEvents(int partition) {
    Long n = waiting.get(partition);
    return n == null ? Double.NaN : n;
  }

  /** Events waiting in the store for the clock, over the partitions this instance runs. */
  public long waitingEvents() {
    return waiting.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Late events since this instance started. */
  public long lateEvents() {
    return lateTotal.get();
  }

  /** Late events since this instance started, by {@code partition/group}. */
  public SortedMap<String, Long> lateByTaskAndGroup() {
    SortedMap<String, Long> out = new TreeMap<>();
    late.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Tombstones on the events topic skipped since this instance started. */
  public long tombstones() {
    return tombstones.get();
  }
}
