package io.ksiem.correlate;

import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The clock of each events partition that feeds a correlation task (event time, seconds) and when it last spoke
 * (wall clock, ms), kept in the task's store so a restarted task resumes with them. The task's clock is their
 * watermark: the lowest clock of the partitions that spoke within the silence time.
 */
final class SourceClocks {
  private final long[] clock;
  private final long[] wall;
  private final long silenceMillis;
  private final KeyValueStore<Bytes, byte[]> store;

  SourceClocks(int sources, long silenceMillis, KeyValueStore<Bytes, byte[]> store, long now) {
    this.clock = new long[sources];
    this.wall = new long[sources];
    this.silenceMillis = silenceMillis;
    this.store = store;
    Arrays.fill(clock, Long.MIN_VALUE);
    Arrays.fill(wall, now);
  }

  /** A clock read back from the store; one of a partition the settings no longer have is ignored. */
  void restore(int source, long time) {
    if (source < clock.length) {
      clock[source] = Math.max(clock[source], time);
    }
  }

  /** Events partition {@code source} says its event time is {@code time}; it spoke at {@code now}. */
  void spoke(int source, long time, long now) {
    if (source >= clock.length) {
      throw new IllegalStateException("a clock record of events partition " + source + ", but the settings say "
          + clock.length + " partitions");
    }
    wall[source] = now;
    if (time > clock[source]) {
      clock[source] = time;
      store.put(StoreKeys.sourceClock(source), StoreKeys.longValue(time));
    }
  }

  /**
   * The lowest clock of the events partitions that spoke within the silence time; the highest of all when none did
   * (the task is then quiet and its wall-clock tick takes over).
   */
  long watermark(long now) {
    long low = Long.MAX_VALUE;
    for (int i = 0; i < clock.length; i++) {
      if (now - wall[i] < silenceMillis) {
        low = Math.min(low, clock[i]);
      }
    }
    return low == Long.MAX_VALUE ? max() : low;
  }

  long max() {
    long high = Long.MIN_VALUE;
    for (long c : clock) {
      high = Math.max(high, c);
    }
    return high;
  }
}
