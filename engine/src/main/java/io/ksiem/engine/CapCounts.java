package io.ksiem.engine;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the caps of {@link io.ksiem.backlog.CorrelationOptions} kept out of one engine since it was built
 * (docs/limits.md), for metrics. Not stored: a rebuilt or restored engine counts from zero, so read these as counters
 * that reset, as after a process restart.
 *
 * @param refusedBacklogs by directive id, the events that would have started a backlog had the directive not been at
 *     {@code maxBacklogsPerDirective}; only directives that refused any, so a metric per directive costs nothing for
 *     the thousands that never fill; in id order
 * @param droppedAddresses source and destination addresses left out of full lists, one per event and list
 * @param droppedCustomData custom data pairs left out of full backlogs
 */
public record CapCounts(Map<Integer, Long> refusedBacklogs, long droppedAddresses, long droppedCustomData) {
  public CapCounts {
    refusedBacklogs = Collections.unmodifiableMap(new TreeMap<>(refusedBacklogs));
  }

  public long refusedBacklogsTotal() {
    long n = 0;
    for (long v : refusedBacklogs.values()) {
      n += v;
    }
    return n;
  }
}
