package io.ksiem.correlate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
  private final Map<Integer, Long> clocks = new ConcurrentHashMap<>();
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
    deadLetters.computeIfAbsent(reasonClass, c -> Counter.builder("ksiem.dead.letters")
        .description("records sent to the dead-letter topic, by reason class").tag("stage", "correlate")
        .tag("reason", c).register(registry)).increment();
  }

  /** The task's clock (epoch s), for its lag; the first call also registers the task's gauges. */
  void clock(int partition, long clock, CorrelateStats stats) {
    clocks.put(partition, clock);
    gauges.computeIfAbsent(partition, p -> new Meter[] {
        Gauge.builder("ksiem.correlate.clock.lag", clocks, m -> lag(m.get(p)))
            .description("wall clock minus the task's clock; grows while a source holds the clock or the task is "
                + "behind").baseUnit("seconds").tag("partition", Integer.toString(p)).register(registry),
        Gauge.builder("ksiem.correlate.backlogs", stats, s -> s.liveBacklogs(p))
            .description("live backlogs of the task's directive groups").tag("partition", Integer.toString(p))
            .register(registry),
        Gauge.builder("ksiem.correlate.waiting.events", stats, s -> s.waitingEvents(p))
            .description("events waiting in the task's store for the clock").tag("partition", Integer.toString(p))
            .register(registry)});
  }

  private static double lag(Long clock) {
    return clock == null || clock == Long.MIN_VALUE ? Double.NaN : System.currentTimeMillis() / 1000.0 - clock;
  }

  /** The task left this instance: its gauges go; its counters stay, as Prometheus expects of counters. */
  void gone(int partition) {
    clocks.remove(partition);
    Meter[] g = gauges.remove(partition);
    if (g != null) {
      for (Meter m : g) {
        registry.remove(m);
      }
    }
  }
}
