package io.ksiem.correlate;

import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The progress of each events partition that feeds a correlation task (its sources), and the task's clock as their
 * watermark: the lowest progress (docs/time-model.md). A source's progress is the time of its latest event. Once
 * the stage that feeds it has declared it idle (it has read everything upstream), and it has been quiet for the
 * idle time, its progress follows the wall clock from that time. A declaration counts for {@link #IDLE_FRESH_MS}:
 * the router repeats it while every feeder goes on declaring. Silence alone never makes a source idle: a source
 * that is slow, paused or failing over holds the clock back, until it has neither spoken nor been declared idle for
 * {@code maxWait}; it is then passed over until it speaks again. Event times are kept in the task's store, so a
 * restarted task resumes with them; whether a source is idle is not: its feeders say so again within a second.
 * When every source is passed over, the clock stays where the latest one was.
 */
final class SourceClocks {
  private final long[] clock;
  /** The time of the source's latest event, from which a declared-idle source follows the wall clock. */
  private final long[] eventTime;
  /** Wall clock (ms) of the latest record from the source: an event's progress or a declaration. */
  private final long[] heard;
  /** Wall clock (ms) of the source's latest progress. */
  private final long[] progressed;
  private final boolean[] idle;
  /**
   * When the source's latest idle record was made (its timestamp, the router's wall clock then): one read from a
   * backlog, after a task moved or its router was down, says what was true then, not now.
   */
  private final long[] declaredAt;
  /**
   * When the declarations behind the source's latest idle record were appended: everything appended to its events
   * partition before then had been read upstream, nothing after.
   */
  private final long[] idleSince;
  /** The latest append time (broker, ms) of a record that moved a source on, over the sources. */
  private long appended = Long.MIN_VALUE;
  private final long idleMillis;
  /**
   * How long one idle record counts: the router repeats it every second while every feeder goes on declaring, so
   * a feeder that is paused or dead stops the repeats and its partition holds the clock again within this time.
   */
  static final long IDLE_FRESH_MS = 5000;
  private final long maxWaitMillis;
  private final KeyValueStore<Bytes, byte[]> store;

  SourceClocks(int sources, long idleMillis, long maxWaitMillis, KeyValueStore<Bytes, byte[]> store, long now) {
    this.clock = new long[sources];
    this.eventTime = new long[sources];
    this.heard = new long[sources];
    this.progressed = new long[sources];
    this.idle = new boolean[sources];
    this.declaredAt = new long[sources];
    this.idleSince = new long[sources];
    this.idleMillis = idleMillis;
    this.maxWaitMillis = maxWaitMillis;
    this.store = store;
    Arrays.fill(clock, Long.MIN_VALUE);
    Arrays.fill(eventTime, Long.MIN_VALUE);
    Arrays.fill(heard, now);
    Arrays.fill(progressed, now);
  }

  /** A clock read back from the store; one of a partition the settings no longer have is ignored. */
  void restore(int source, long time) {
    if (source < clock.length) {
      clock[source] = Math.max(clock[source], time);
      eventTime[source] = clock[source];
    }
  }

  private void check(int source) {
    if (source < 0 || source >= clock.length) {
      throw new IllegalStateException("a clock record of events partition " + source + ", but the settings say "
          + clock.length + " partitions");
    }
  }

  /**
   * Events partition {@code source} has an event at {@code time}, in a record the broker appended at {@code
   * appendedAt} ({@link Long#MIN_VALUE}: not known); it is not idle.
   */
  void progress(int source, long time, long appendedAt, long now) {
    check(source);
    appended = Math.max(appended, appendedAt);
    heard[source] = now;
    progressed[source] = now;
    idle[source] = false;
    eventTime[source] = Math.max(eventTime[source], time);
    if (time > clock[source]) {
      clock[source] = time;
      store.put(StoreKeys.sourceClock(source), StoreKeys.longValue(time));
    }
  }

  /**
   * Events partition {@code source} was declared idle at {@code declared} (wall clock, ms): everything upstream of
   * it had been read then, that is everything appended to it before {@code since} (broker time). It counts as idle
   * only while that is recent; a stale one (read from a backlog) still says that the source's router is alive, so
   * the source is not passed over.
   */
  void declaredIdle(int source, long declared, long since, long now) {
    check(source);
    heard[source] = now;
    idle[source] = true;
    declaredAt[source] = Math.min(declared, now);
    idleSince[source] = since;
  }

  boolean idle(int source, long now) {
    return idle[source] && now - declaredAt[source] <= IDLE_FRESH_MS;
  }

  /**
   * The lowest progress over the sources that count, {@link Long#MIN_VALUE} while one that counts has no event yet.
   * When none counts (all idle with no event, or passed over), the latest time moves on with the wall clock after
   * the idle time, as a quiet single-partition task's clock does.
   */
  long watermark(long now) {
    long low = Long.MAX_VALUE;
    for (int i = 0; i < clock.length; i++) {
      if (idle(i, now)) {
        if (clock[i] != Long.MIN_VALUE) {
          follow(i, now);
          low = Math.min(low, clock[i]);
        } else if (idleSince[i] < appended) {
          // idle with no event yet, declared before the others' latest records were appended: its first events
          // may have been written since, at their times, and are on their way
          return Long.MIN_VALUE;
        }
      } else if (now - heard[i] < maxWaitMillis) {
        low = Math.min(low, clock[i]);
      }
    }
    if (low != Long.MAX_VALUE) {
      return low;
    }
    // every source passed over (or idle with no event yet): silence alone moves no clock
    return max();
  }

  /**
   * A declared-idle source quiet for the idle time follows the wall clock from its latest event; what it reached is
   * kept (and stored), so it holds there, not at its last event, when its declarations stop or the task restarts.
   */
  private void follow(int i, long now) {
    long quiet = now - progressed[i];
    if (quiet >= idleMillis && eventTime[i] != Long.MIN_VALUE) {
      long followed = eventTime[i] + quiet / 1000;
      if (followed > clock[i]) {
        clock[i] = followed;
        store.put(StoreKeys.sourceClock(i), StoreKeys.longValue(followed));
      }
    }
  }

  /** Sources passed over now: neither heard from nor declared idle for {@code maxWait}. */
  int passedOver(long now) {
    int n = 0;
    for (int i = 0; i < clock.length; i++) {
      if (!idle(i, now) && now - heard[i] >= maxWaitMillis) {
        n++;
      }
    }
    return n;
  }

  long max() {
    long high = Long.MIN_VALUE;
    for (long c : clock) {
      high = Math.max(high, c);
    }
    return high;
  }
}
