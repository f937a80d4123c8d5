package io.ksiem.correlate;

import io.ksiem.runtime.AppMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The correlate app's own meters (docs/operations.md), labelled by the routed partition a correlation task works on
 * ({@code partition}, as many as {@code routed.partitions}), by risk class (three) or by dead-letter reason class (a
 * fixed few): every label set is bounded. A task's gauges go when the task leaves the instance. Until the app is
 * bound to a registry the meters count into none.
 */
final class CorrelateMeters {
  private volatile MeterRegistry registry = new CompositeMeterRegistry();
  private final Map<Integer, Counter> events = new ConcurrentHashMap<>();
  private final Map<Integer, Counter> late = new ConcurrentHashMap<>();
  private final Map<String, Counter> alarms = new ConcurrentHashMap<>();
  private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
  private final Map<Integer, Meter[]> gauges = new ConcurrentHashMap<>();

  void bindTo(MeterRegistry r) {
    this.registry = r;
  }

  Counter events(int partition) {
    return events.computeIfAbsent(partition, p -> Counter.builder("ksiem.correlate.events")
        .description("events a correlation task processed").tag("partition", Integer.toString(p)).register(registry));
  }

  void late(int partition) {
    late.computeIfAbsent(partition, p -> Counter.builder("ksiem.correlate.late.events")
        .description("events that came after their task's clock had passed them (docs/time-model.md)")
        .tag("partition", Integer.toString(p)).register(registry)).increment();
  }

  void alarm(String riskClass) {
    alarms.computeIfAbsent(riskClass == null ? "" : riskClass, c -> Counter.builder("ksiem.correlate.alarm.updates")
        .description("alarm snapshots written (a new alarm, or a stage completed or expired), by the alarm's risk "
            + "class").tag("risk_class", c).register(registry)).increment();
  }

  void deadLetter(String reasonClass) {
    deadLetters.computeIfAbsent(reasonClass, c -> AppMetrics.deadLetters(registry, "correlate", c)).increment();
  }

  /**
   * A task started here: its gauges, read at each scrape. {@code clock} gives its clock (epoch s,
   * {@link Long#MIN_VALUE} before its first event), so the task's hot path only writes a field.
   */
  void task(int partition, LongSupplier clock, CorrelateStats stats) {
    gone(partition);
    String p = Integer.toString(partition);
    gauges.put(partition, new Meter[] {
        // the supplier form holds the lambda strongly (the object form keeps only a weak reference)
        Gauge.builder("ksiem.correlate.clock.lag", () -> lag(clock.getAsLong()))
            .description("wall clock minus the task's clock; grows while a source holds the clock or the task is "
                + "behind").baseUnit("seconds").tag("partition", p).register(registry),
        Gauge.builder("ksiem.correlate.backlogs", stats, s -> s.liveBacklogs(partition))
            .description("live backlogs of the task's directive groups").tag("partition", p).register(registry),
        Gauge.builder("ksiem.correlate.waiting.events", stats, s -> s.waitingEvents(partition))
            .description("events waiting in the task's store for the clock").tag("partition", p)
            .register(registry)});
  }

  private static double lag(long clock) {
    return clock == Long.MIN_VALUE ? Double.NaN : System.currentTimeMillis() / 1000.0 - clock;
  }

  /** The task left this instance: its gauges go; its counters stay, as Prometheus expects of counters. */
  void gone(int partition) {
    Meter[] g = gauges.remove(partition);
    if (g != null) {
      for (Meter m : g) {
        registry.remove(m);
      }
    }
  }
}
