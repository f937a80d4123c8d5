package io.ksiem.runtime;

import java.time.Duration;
import org.slf4j.Logger;

/**
 * At most {@code burst} warnings per period, then one line saying how many were left out: hostile input arrives in
 * floods, and a line per record would fill the disk the logs are on. Log4j's BurstFilter would do it per logger for
 * the whole app; this is per call site, so one flood cannot silence other warnings.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final int burst;
  private final long periodNanos;
  private long windowStart = System.nanoTime();
  private int inWindow;
  private long suppressed;

  public RateLimitedLog(Logger log, int burst, Duration period) {
    this.log = log;
    this.burst = burst;
    this.periodNanos = period.toNanos();
  }

  public synchronized void warn(String format, Object... args) {
    long now = System.nanoTime();
    if (now - windowStart >= periodNanos) {
      if (suppressed > 0) {
        log.warn("{} more such warnings in the last {} s were not logged", suppressed, periodNanos / 1_000_000_000L);
      }
      windowStart = now;
      inWindow = 0;
      suppressed = 0;
    }
    if (inWindow < burst) {
      inWindow++;
      log.warn(format, args);
    } else {
      suppressed++;
    }
  }

  /** Warnings left out in the current period. */
  public synchronized long suppressed() {
    return suppressed;
  }
}
