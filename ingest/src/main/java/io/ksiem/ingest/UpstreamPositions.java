package io.ksiem.ingest;

import org.apache.kafka.common.TopicPartition;

/**
 * What ingest must know to declare an events partition idle (docs/time-model.md): how far each raw partition is
 * written and committed, and how many raw partitions feed each events partition.
 */
public interface UpstreamPositions {
  /** Nothing known: nothing is declared (for a description of the topology). */
  UpstreamPositions UNKNOWN = new UpstreamPositions() {
    @Override
    public boolean caughtUp(TopicPartition tp, long next) {
      return false;
    }

    @Override
    public int feedersWith(int rawPartition) {
      return 0;
    }
  };

  /**
   * Whether the raw partition {@code tp} has nothing unread: {@code next} (the offset after the last record this
   * task processed, or -1 for none yet) or the group's committed offset has reached the partition's end. False
   * while either is unknown.
   */
  boolean caughtUp(TopicPartition tp, long next);

  /**
   * The raw partitions (over every source) that feed the events partition that raw partition {@code rawPartition}
   * feeds, itself included; 0 while unknown.
   */
  int feedersWith(int rawPartition);
}
