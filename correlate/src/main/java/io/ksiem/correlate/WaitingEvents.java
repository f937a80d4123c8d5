package io.ksiem.correlate;

import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import io.ksiem.runtime.EventRecords;
import io.ksiem.schemas.NormalizedEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Events that arrived ahead of the task's clock and wait for it, in time order then arrival. They wait in the store
 * only (as their Avro bytes under {@code q/} keys, which sort by time: times are never negative), so however many
 * wait, memory holds only their count and the earliest time, and a restarted or moved task still has them. Only the
 * clock releases them (docs/time-model.md): a count never does.
 */
final class WaitingEvents {
  /** Events read from the store at a time while releasing: bounds memory, and keeps iterators short. */
  private static final int BATCH = 1000;

  private final KeyValueStore<Bytes, byte[]> store;
  private long seq;
  private long count;
  private long earliest = Long.MAX_VALUE;
  private long waited;

  WaitingEvents(KeyValueStore<Bytes, byte[]> store) {
    this.store = store;
  }

  /** Forgets what it knows; {@link #restore} then reads it back from the store's keys. */
  void clear() {
    count = 0;
    earliest = Long.MAX_VALUE;
  }

  void restore(Bytes key) {
    count++;
    seq = Math.max(seq, StoreKeys.queueSeq(key) + 1);
    earliest = Math.min(earliest, StoreKeys.queueTime(key));
  }

  /** {@code e} waits; {@code avro} is its record as the store keeps it. */
  void add(Event e, ByteBuffer avro) {
    byte[] bytes = new byte[avro.remaining()];
    avro.get(bytes);
    store.put(StoreKeys.queue(e.time, seq++), bytes);
    count++;
    earliest = Math.min(earliest, e.time);
    waited++;
  }

  boolean isEmpty() {
    return count == 0;
  }

  long size() {
    return count;
  }

  /** The time of the earliest waiting event; {@link Long#MAX_VALUE} when none waits. */
  long earliest() {
    return earliest;
  }

  /** Takes every event up to {@code time} out of the store, in order, and gives each to {@code offer}. */
  void release(long time, Consumer<Event> offer) {
    // range ends are inclusive; starting at the earliest skips the keys already released (deleted)
    Bytes to = StoreKeys.queue(time, Long.MAX_VALUE);
    while (earliest <= time) {
      List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(BATCH);
      try (KeyValueIterator<Bytes, byte[]> it = store.range(StoreKeys.queue(earliest, 0), to)) {
        while (it.hasNext() && batch.size() < BATCH) {
          batch.add(it.next());
        }
      }
      for (KeyValue<Bytes, byte[]> kv : batch) {
        store.delete(kv.key);
        count--;
        offer.accept(decode(kv.value));
      }
      if (batch.size() < BATCH) {
        earliest = next(time);
      } else {
        earliest = StoreKeys.queueTime(batch.get(batch.size() - 1).key);
      }
    }
  }

  /** The earliest time still waiting, all up to {@code after} being released. */
  private long next(long after) {
    if (count <= 0) {
      count = 0;
      return Long.MAX_VALUE;
    }
    try (KeyValueIterator<Bytes, byte[]> it = store.range(StoreKeys.queue(after + 1, 0),
        StoreKeys.queue(Long.MAX_VALUE, Long.MAX_VALUE))) {
      return it.hasNext() ? StoreKeys.queueTime(it.next().key) : Long.MAX_VALUE;
    }
  }

  private static Event decode(byte[] avro) {
    try {
      EventParser.Result r = EventRecords.toEngine(NormalizedEvent.fromByteBuffer(ByteBuffer.wrap(avro)));
      if (!r.ok()) {
        throw new IllegalStateException("a waiting event in the store is not valid: " + r.reason());
      }
      return r.event();
    } catch (IOException e) {
      throw new UncheckedIOException("a waiting event in the store is not readable", e);
    }
  }

  /** How many events have waited since the task started. */
  long waited() {
    return waited;
  }
}
