package io.ksiem.correlate;

import java.util.HashMap;
import java.util.Map;

/**
 * The feeders of one events partition, as its router sees them (docs/time-model.md): each ingest task that writes
 * it (a raw partition of one source, named in the {@code ksiem.feeder} header of its events and in the key of its
 * declarations), with the time of its latest event and whether it has declared that it has nothing unread since.
 * The partition's progress is the lowest over the feeders that are not idle, so a paused feeder holds it even
 * while another feeder of the same partition goes on; it is idle once every feeder has declared within
 * {@link #FRESH_MS}. A producer that names no feeder is one feeder, {@code ""}.
 */
final class PartitionFeeders {
  /** A declaration is repeated every second while it holds; older than this, its feeder may be paused or gone. */
  static final long FRESH_MS = 3000;
  /** More feeders than any deployment has: a flood of crafted names cannot grow the map. */
  static final int MAX = 10_000;

  private static final class Feeder {
    long time = Long.MIN_VALUE;
    boolean idle;
    long declaredAt;
  }

  private final Map<String, Feeder> feeders = new HashMap<>();
  /** How many feeders the partition has, as the latest declaration says; 0 while none has come. */
  private int expected;

  void clear() {
    feeders.clear();
    expected = 0;
  }

  private Feeder feeder(String name) {
    Feeder f = feeders.get(name);
    if (f == null && feeders.size() < MAX) {
      f = new Feeder();
      feeders.put(name, f);
    }
    return f;
  }

  /**
   * The partition has {@code count} feeders, as ingest writes on every event: a router that has just started (its
   * task moved) then holds the partition until it has heard from each, instead of letting the first feeder it
   * sees move the clock past the others. A count that is missing, below 1 or above {@link #MAX} changes nothing.
   */
  void expect(int count) {
    if (count >= 1 && count <= MAX) {
      expected = count;
    }
  }

  /** Feeder {@code name} wrote an event at {@code time}: it is not idle. */
  void event(String name, long time) {
    Feeder f = feeder(name);
    if (f != null) {
      f.idle = false;
      f.time = Math.max(f.time, time);
    }
  }

  /**
   * Feeder {@code name}, one of {@code count}, declared at {@code at} (wall clock, ms) that it had nothing unread;
   * one read from a backlog still lets the others move the partition on, but it does not make the partition idle.
   */
  void declared(String name, int count, long at) {
    expect(count);
    Feeder f = feeder(name);
    if (f != null) {
      f.idle = true;
      f.declaredAt = Math.max(f.declaredAt, at);
    }
  }

  /**
   * The lowest latest-event time over the feeders that are not idle; {@link Long#MIN_VALUE} while a feeder the
   * declarations count is still unknown (it may be paused before ever writing) or none has an event.
   */
  long progress() {
    if (feeders.size() < expected) {
      return Long.MIN_VALUE;
    }
    long low = Long.MAX_VALUE;
    for (Feeder f : feeders.values()) {
      if (!f.idle) {
        low = Math.min(low, f.time);
      }
    }
    return low == Long.MAX_VALUE ? Long.MIN_VALUE : low;
  }

  /** The latest event time over all feeders: the partition's progress once every one of them is idle. */
  long latest() {
    long high = Long.MIN_VALUE;
    for (Feeder f : feeders.values()) {
      high = Math.max(high, f.time);
    }
    return high;
  }

  /** When the oldest of the feeders' latest declarations was made (the partition is idle since then). */
  long declaredSince() {
    long low = Long.MAX_VALUE;
    for (Feeder f : feeders.values()) {
      low = Math.min(low, f.declaredAt);
    }
    return low;
  }

  /** Whether every feeder has declared, recently, that it has nothing unread. */
  boolean idle(long now) {
    if (expected == 0 || feeders.size() < expected) {
      return false;
    }
    for (Feeder f : feeders.values()) {
      if (!f.idle || now - f.declaredAt > FRESH_MS) {
        return false;
      }
    }
    return true;
  }
}
