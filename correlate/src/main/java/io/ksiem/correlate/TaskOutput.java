package io.ksiem.correlate;

import io.ksiem.alarm.AlarmLink;
import io.ksiem.alarm.AlarmOutput;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.engine.Engine;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.topic.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What one input record changed, written out: the engine's alarm snapshots and links forwarded as Avro records in
 * the order the engine gave them (D7), a late event for the late-events topic, each backlog it changed or removed written to the store, and the engine
 * header (clock, creation counter) when it moved. Only what changed is written.
 */
final class TaskOutput implements AlarmOutput {
  private final List<Object> out = new ArrayList<>();
  private final KeyValueStore<Bytes, byte[]> store;
  private final CorrelateStats stats;
  private final int partition;
  /** The header as the store has it: clock, creation counter. */
  final long[] writtenHeader = {Long.MIN_VALUE, -1};
  private boolean backlogsChanged;
  private final Engine.ChangeListener changes = new Engine.ChangeListener() {
    @Override
    public void changed(String backlogId, byte[] state) {
      backlogsChanged = true;
      store.put(StoreKeys.backlog(backlogId), state);
    }

    @Override
    public void removed(String backlogId) {
      backlogsChanged = true;
      store.delete(StoreKeys.backlog(backlogId));
    }
  };

  TaskOutput(KeyValueStore<Bytes, byte[]> store, CorrelateStats stats, int partition) {
    this.store = store;
    this.stats = stats;
    this.partition = partition;
  }

  /** A late event for the late-events topic: the event, and how late it was in headers. */
  record Late(NormalizedEvent event, Headers headers) {
  }

  /** {@code event} came {@code behind} s after the task's {@code clock} had passed it. */
  void late(NormalizedEvent event, long behind, long clock, String task, java.util.Collection<String> groups) {
    Headers h = new RecordHeaders();
    h.add(Topics.HEADER_LATE_SECONDS, Long.toString(behind).getBytes(StandardCharsets.UTF_8));
    h.add(Topics.HEADER_LATE_CLOCK, Instant.ofEpochSecond(clock).toString().getBytes(StandardCharsets.UTF_8));
    h.add(Topics.HEADER_LATE_TASK, task.getBytes(StandardCharsets.UTF_8));
    h.add(Topics.HEADER_LATE_GROUPS, String.join(",", groups).getBytes(StandardCharsets.UTF_8));
    out.add(new Late(event, h));
  }

  @Override
  public void alarm(AlarmSnapshot snapshot) {
    out.add(AlarmRecords.toAvro(snapshot));
    stats.meters().alarm(snapshot.riskClass());
  }

  @Override
  public void link(AlarmLink link) {
    out.add(AlarmRecords.toAvro(link));
  }

  /** Forwards the output so far with {@code timestamp} and writes what the engine changed. */
  void flush(ProcessorContext<String, Object> context, Engine engine, long timestamp) {
    for (Object o : out) {
      if (o instanceof Late l) {
        context.forward(new Record<>(l.event().getEventId(), o, timestamp, l.headers()));
        continue;
      }
      String key = o instanceof Alarm a ? a.getAlarmId() : ((AlarmEvent) o).getAlarmId();
      context.forward(new Record<>(key, o, timestamp));
    }
    out.clear();
    backlogsChanged = false;
    engine.drainChanges(changes);
    if (backlogsChanged) {
      stats.live(partition, engine.liveBacklogs());
    }
    if (engine.clock() != writtenHeader[0] || engine.seq() != writtenHeader[1]) {
      writtenHeader[0] = engine.clock();
      writtenHeader[1] = engine.seq();
      store.put(StoreKeys.HEADER,
          ByteBuffer.allocate(16).putLong(writtenHeader[0]).putLong(writtenHeader[1]).array());
    }
  }
}
