package io.ksiem.correlate;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What an instance's correlation tasks report for a live view or metrics: live backlogs per partition. */
public final class CorrelateStats {
  private final Map<Integer, Integer> liveBacklogs = new ConcurrentHashMap<>();

  void live(int partition, int backlogs) {
    liveBacklogs.put(partition, backlogs);
  }

  void gone(int partition) {
    liveBacklogs.remove(partition);
  }

  /** Live backlogs over the partitions this instance runs. */
  public int liveBacklogs() {
    return liveBacklogs.values().stream().mapToInt(Integer::intValue).sum();
  }
}
