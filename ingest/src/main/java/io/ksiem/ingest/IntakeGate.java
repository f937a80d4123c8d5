package io.ksiem.ingest;

import java.util.concurrent.Semaphore;

/**
 * Whether the intake takes one more event now: at most {@code rateLimit} a second (a token bucket holding one
 * second's worth, so a burst up to the rate passes), and at most {@code maxInFlight} sent to Kafka and not yet
 * acknowledged, so a slow cluster is met with 429 rather than a growing pile of waiting requests. Hand-written:
 * Jetty's {@code DoSHandler} limits each client on its own, and this limit is the intake's as a whole.
 */
final class IntakeGate {
  /** Why an event was not taken, and how many seconds the client should wait. */
  enum Refusal {
    RATE, IN_FLIGHT;

    int retryAfterSeconds() {
      return 1;
    }
  }

  private final TokenBucket rate;
  private final Semaphore inFlight;

  IntakeGate(int rateLimit, int maxInFlight) {
    this.rate = rateLimit == 0 ? null : new TokenBucket(rateLimit, rateLimit, System.nanoTime());
    this.inFlight = new Semaphore(maxInFlight);
  }

  /** One event by the rate, or {@link Refusal#RATE}; null when it may go on. */
  synchronized Refusal rate() {
    if (rate == null || rate.take(System.nanoTime())) {
      return null;
    }
    return Refusal.RATE;
  }

  /** A place among the sends waiting for Kafka, or false; give it back with {@link #acknowledged}. */
  boolean send() {
    return inFlight.tryAcquire();
  }

  void acknowledged() {
    inFlight.release();
  }
}
