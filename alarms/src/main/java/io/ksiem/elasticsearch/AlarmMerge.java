package io.ksiem.elasticsearch;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How a new alarm snapshot meets the stored document, as dsiem's shipped Logstash pipeline does it
 * (docs/dsiem-reference.md §7.6): a snapshot with a lower risk than the stored one is ignored, so is one with the
 * same risk and an older update_time; and {@code status} and {@code tag} are never overwritten, because analysts own
 * them.
 */
public final class AlarmMerge {
  private AlarmMerge() {
  }

  /** The document to write, or null when the stored one stays. */
  public static ObjectNode merge(ObjectNode snapshot, ObjectNode stored) {
    if (stored == null) {
      return snapshot;
    }
    long newRisk = snapshot.path("risk").asLong();
    long oldRisk = stored.path("risk").asLong();
    if (newRisk < oldRisk) {
      return null;
    }
    if (newRisk == oldRisk && snapshot.path("update_time").asLong() < stored.path("update_time").asLong()) {
      return null;
    }
    ObjectNode out = snapshot.deepCopy();
    for (String owned : new String[] {"status", "tag"}) {
      if (stored.has(owned)) {
        out.set(owned, stored.get(owned));
      }
    }
    return out;
  }
}
