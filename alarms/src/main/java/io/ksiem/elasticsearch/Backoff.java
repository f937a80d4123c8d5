package io.ksiem.elasticsearch;

import java.util.function.BooleanSupplier;

/** Exponential backoff up to 10 s between attempts, cut short when the sink stops. */
final class Backoff {
  private static final long MAX_MILLIS = 10_000;
  private static final long STEP_MILLIS = 100;
  private final BooleanSupplier running;
  private long next;

  Backoff(long firstMillis, BooleanSupplier running) {
    this.next = firstMillis;
    this.running = running;
  }

  /** The wait before the next attempt, in ms. */
  long next() {
    return next;
  }

  /** Waits {@link #next} ms (less if the sink stops meanwhile), then doubles the wait. */
  void await() throws InterruptedException {
    for (long slept = 0; slept < next && running.getAsBoolean(); slept += STEP_MILLIS) {
      Thread.sleep(Math.min(STEP_MILLIS, next - slept));
    }
    next = Math.min(next * 2, MAX_MILLIS);
  }
}
