package io.ksiem.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When a raw partition has nothing unread, so that ingest may declare its events partition idle. */
class RawPartitionEndsTest {
  @Test
  void caughtUpOnlyWhenNothingIsUnread() {
    assertTrue(RawPartitionEnds.caughtUp(-1, 0, null, 0L), "an empty partition");
    assertTrue(RawPartitionEnds.caughtUp(-1, 500, null, 500L), "a partition emptied by retention");
    assertFalse(RawPartitionEnds.caughtUp(-1, 500, null, 0L), "a restarted task that has read nothing yet");
    assertTrue(RawPartitionEnds.caughtUp(-1, 500, 500L, 0L), "... whose group committed everything before");
    assertTrue(RawPartitionEnds.caughtUp(500, 500, 400L, 0L), "processed to the end, committed a little behind");
    assertFalse(RawPartitionEnds.caughtUp(499, 500, 400L, 0L), "one record unread");
    // a transactional writer's last record at 498, its commit marker at 499: only the position passes the marker
    assertFalse(RawPartitionEnds.caughtUp(499, 500, null, 0L));
    assertTrue(RawPartitionEnds.caughtUp(499, 500, 500L, 0L));
  }
}
