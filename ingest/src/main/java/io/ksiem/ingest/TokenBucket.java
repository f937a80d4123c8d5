package io.ksiem.ingest;

/**
 * A token bucket: holds up to {@code capacity} tokens and gains {@code perSecond} a second, so a burst up to the
 * capacity passes and then about {@code perSecond} a second. Not thread-safe: its owner synchronizes. Hand-written:
 * the few lines the intake's two limits ({@link IntakeGate}, {@link AuthFailureThrottle}) need, where a rate-limiting
 * library would bring a dependency and its own clock.
 */
final class TokenBucket {
  private final double capacity;
  private final double perSecond;
  private double tokens;
  private long refilledNanos;

  TokenBucket(double capacity, double perSecond, long nowNanos) {
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.tokens = capacity;
    this.refilledNanos = nowNanos;
  }

  private void refill(long nowNanos) {
    tokens = Math.min(capacity, tokens + (nowNanos - refilledNanos) / 1e9 * perSecond);
    refilledNanos = nowNanos;
  }

  /** Takes a token if there is one. */
  boolean take(long nowNanos) {
    refill(nowNanos);
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  /** Whether a token is there now, without taking it. */
  boolean has(long nowNanos) {
    refill(nowNanos);
    return tokens >= 1;
  }

  /** Whether the bucket is full again: it then remembers nothing and can be dropped. */
  boolean full(long nowNanos) {
    refill(nowNanos);
    return tokens >= capacity;
  }

  /** Whole seconds until the next token, at least 1. */
  int secondsToNext() {
    return (int) Math.max(1, Math.ceil((1 - tokens) / perSecond));
  }
}
