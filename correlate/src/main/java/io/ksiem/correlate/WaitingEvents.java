package io.ksiem.correlate;

import io.ksiem.event.Event;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Events that arrived ahead of the task's clock and wait for it, in time order then arrival. Each is also in the
 * store (as its Avro bytes under a {@code q/} key), so a restarted or moved task still has them.
 */
final class WaitingEvents {
  private final KeyValueStore<Bytes, byte[]> store;
  private final TreeMap<Bytes, Event> queue = new TreeMap<>();
  private long seq;
  private long waited;

  WaitingEvents(KeyValueStore<Bytes, byte[]> store) {
    this.store = store;
  }

  /** Forgets what is held in memory; {@link #restore} then reads it back from the store. */
  void clear() {
    queue.clear();
  }

  void restore(Bytes key, Event e) {
    queue.put(key, e);
    seq = Math.max(seq, StoreKeys.queueSeq(key) + 1);
  }

  /** {@code e} waits; {@code avro} is its record as the store keeps it. */
  void add(Event e, ByteBuffer avro) {
    Bytes key = StoreKeys.queue(e.time, seq++);
    byte[] bytes = new byte[avro.remaining()];
    avro.get(bytes);
    store.put(key, bytes);
    queue.put(key, e);
    waited++;
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  int size() {
    return queue.size();
  }

  /** The earliest waiting event, still waiting. */
  Event first() {
    return queue.firstEntry().getValue();
  }

  /** Takes the earliest waiting event out of the queue and the store. */
  Event poll() {
    Map.Entry<Bytes, Event> first = queue.pollFirstEntry();
    store.delete(first.getKey());
    return first.getValue();
  }

  /** How many events have waited since the task started. */
  long waited() {
    return waited;
  }
}
