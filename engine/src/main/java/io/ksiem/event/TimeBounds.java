package io.ksiem.event;

/**
 * Which event times ksiem takes: none before 1970, none more than {@code maxFutureSeconds} ahead of the wall clock
 * where the event enters (docs/time-model.md). Kafka refuses a negative record timestamp, and one event from 2099
 * would move a task's clock decades ahead, expire every backlog and make every later event late; so such an event
 * is refused at intake and again by each stage that reads it, and moves no clock.
 */
public record TimeBounds(long maxFutureSeconds) {
  /** Five minutes: more than the clock skew of hosts that keep time, far less than any directive's window. */
  public static final long DEFAULT_MAX_FUTURE_SECONDS = 300;

  public TimeBounds {
    if (maxFutureSeconds < 0) {
      throw new IllegalArgumentException("max.future must not be negative, not " + maxFutureSeconds);
    }
  }

  public static TimeBounds defaults() {
    return new TimeBounds(DEFAULT_MAX_FUTURE_SECONDS);
  }

  /**
   * Why an event at {@code time} (epoch seconds) that enters at {@code nowMillis} (epoch ms) is not taken, or null
   * when it is.
   */
  public String refusal(long time, long nowMillis) {
    if (time < 0) {
      return "event time " + time + " s is before 1970-01-01T00:00:00Z";
    }
    long limit = Math.floorDiv(nowMillis, 1000) + maxFutureSeconds;
    if (time > limit) {
      return "event time " + time + " s is " + (time - limit + maxFutureSeconds) + " s ahead of the wall clock, more "
          + "than max.future (" + maxFutureSeconds + " s)";
    }
    return null;
  }
}
