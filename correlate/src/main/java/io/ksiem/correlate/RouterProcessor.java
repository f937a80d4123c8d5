package io.ksiem.correlate;

import io.ksiem.event.EventParser;
import io.ksiem.event.TimeBounds;
import io.ksiem.runtime.App;
import io.ksiem.runtime.EventRecords;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Before routing, for one events partition: keeps the catalog current for the partitioner; turns an event that is
 * not valid, or whose time is out of {@link TimeBounds} (other producers may write the events topic), into a dead
 * letter with the reason; skips and counts tombstones; and tells every correlation task how this partition's time
 * moves (docs/time-model.md). A clock record (a null value keyed {@link #CLOCK_KEY} and this partition, its timestamp
 * the time) goes out whenever the partition's event time moves on, so every task's clock follows the whole stream,
 * as in a replay, and not only the events routed to it. An idle record ({@link #IDLE_KEY}) goes out once every
 * feeder of the partition has declared it has nothing unread since the partition's last event, and again at most
 * every second while they go on declaring (a fresh round from every feeder each time), for a task that has just
 * moved; a task stops counting the partition idle when the repeats stop. The router never declares a partition idle
 * because it has read it to its end: ingest may be paused upstream.
 */
final class RouterProcessor implements Processor<String, NormalizedEvent, String, Object> {
  /** The key of clock records, followed by the partition of the events topic they speak for. */
  static final String CLOCK_KEY = "\u0000clock/";
  /** The key of idle records, followed by the partition of the events topic they speak for. */
  static final String IDLE_KEY = "\u0000idle/";
  private static final long REPEAT_IDLE_MS = 1000;

  private final Catalog catalog;
  private final TimeBounds bounds;
  private final CorrelateStats stats;
  private ProcessorContext<String, Object> context;
  private ReadOnlyKeyValueStore<String, String> directives;
  private ReadOnlyKeyValueStore<String, String> assets;
  private long clock = Long.MIN_VALUE;
  private String clockKey;
  private String idleKey;
  private final PartitionFeeders feeders = new PartitionFeeders();
  private boolean idle;
  private long idleSentAt;

  RouterProcessor(Catalog catalog, TimeBounds bounds, CorrelateStats stats) {
    this.catalog = catalog;
    this.bounds = bounds;
    this.stats = stats;
  }

  /** An event that is not valid, with the reason. */
  record Invalid(NormalizedEvent event, String reason) {
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.directives = context.getStateStore(CorrelateTopology.DIRECTIVE_STORE);
    this.assets = context.getStateStore(CorrelateTopology.ASSET_STORE);
    this.clockKey = CLOCK_KEY + context.taskId().partition();
    this.idleKey = IDLE_KEY + context.taskId().partition();
    // a revived task (closed dirty, its transaction aborted) gets the same processor again: start afresh
    clock = Long.MIN_VALUE;
    idle = false;
    feeders.clear();
    catalog.refresh(directives, assets);
  }

  @Override
  public void process(Record<String, NormalizedEvent> record) {
    if (Topics.isIdleDeclaration(record.key())) {
      declaration(record);
      return;
    }
    if (record.value() == null) {
      stats.tombstone();
      return;
    }
    catalog.refresh(directives, assets);
    EventParser.Result r = EventRecords.toEngine(record.value());
    String reason = r.ok() ? bounds.refusal(r.event().time, context.currentSystemTimeMs()) : r.reason();
    String reasonClass = r.ok() ? "time" : "invalid";
    if (reason == null) {
      reason = io.ksiem.event.FieldLimits.refusal(r.event());
      reasonClass = "size";
    }
    if (reason != null) {
      deadLetter(record, reason, reasonClass);
      return;
    }
    feeders.expect(feederCount(record));
    feeders.event(feederOf(record), r.event().time);
    // an idle partition that has an event again is idle no more: the tasks hear so even if its time stays
    sendClock(feeders.progress(), idle, record.timestamp());
    // an event no directive can match goes nowhere (and moved the clock above)
    Set<Integer> route = catalog.current().route(r.event());
    if (!route.isEmpty()) {
      catalog.rememberRoute(record.value(), route);
      context.forward(record);
    }
  }

  /** The feeder count a record carries in {@link Topics#HEADER_FEEDERS}; -1 when it carries none or no number. */
  private static int feederCount(Record<String, NormalizedEvent> record) {
    Header h = record.headers().lastHeader(Topics.HEADER_FEEDERS);
    try {
      return h == null || h.value() == null ? -1 : Integer.parseInt(new String(h.value(), StandardCharsets.UTF_8)
          .trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void declaration(Record<String, NormalizedEvent> record) {
    int count = feederCount(record);
    if (record.value() != null || count < 1) {
      deadLetter(record, "an idleness declaration has no value and a feeder count in " + Topics.HEADER_FEEDERS,
          "invalid");
      return;
    }
    long now = context.currentSystemTimeMs();
    // the events topic stamps a record when the broker appends it (LogAppendTime): a declaration read from a
    // backlog (this task moved, or it was down) was true then, and its feeder has written events since
    feeders.declared(record.key().substring(Topics.IDLE_KEY_PREFIX.length()), count,
        Math.min(record.timestamp(), now));
    if (feeders.idle(now)) {
      // everything is read: the tasks get the partition's time before they follow the wall clock from it
      sendClock(feeders.latest(), false, record.timestamp());
      if (!idle || now - idleSentAt >= REPEAT_IDLE_MS) {
        idle = true;
        idleSentAt = now;
        context.forward(new Record<>(idleKey, null, now, appended(feeders.declaredSince())));
      }
      return;
    }
    // an idle feeder no longer holds the others back
    sendClock(feeders.progress(), false, record.timestamp());
  }

  /**
   * A clock record to every task when the partition's time moved on, or ({@code again}) whatever its time;
   * {@code appended}: when the broker appended the record that moved it.
   */
  private void sendClock(long time, boolean again, long appended) {
    if (time != Long.MIN_VALUE && (time > clock || again)) {
      clock = Math.max(clock, time);
      idle = false;
      context.forward(new Record<>(clockKey, null, clock * 1000, appended(appended)));
    }
  }

  private static Headers appended(long at) {
    Headers h = new RecordHeaders();
    h.add(Topics.HEADER_APPENDED, Long.toString(at).getBytes(StandardCharsets.UTF_8));
    return h;
  }

  /** The {@link Topics#HEADER_APPENDED} of a clock or idle record; {@code otherwise} when it has none. */
  static long appendedOf(Headers headers, long otherwise) {
    Header h = headers.lastHeader(Topics.HEADER_APPENDED);
    try {
      return h == null || h.value() == null ? otherwise : Long.parseLong(new String(h.value(),
          StandardCharsets.UTF_8));
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  /** The feeder an event names in its headers ({@code ""} for a producer that names none). */
  private static String feederOf(Record<String, NormalizedEvent> record) {
    Header h = record.headers().lastHeader(Topics.HEADER_FEEDER);
    return h == null || h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
  }

  private void deadLetter(Record<String, NormalizedEvent> record, String reason, String reasonClass) {
    stats.meters().deadLetter(reasonClass);
    Headers h = new RecordHeaders(record.headers().toArray());
    var m = context.recordMetadata().orElseThrow();
    Topics.deadLetterHeaders(h, reason, App.CORRELATE.shortName(), m.topic(), m.partition(), m.offset());
    context.forward(new Record<>(record.key(), new Invalid(record.value(), reason), record.timestamp(), h));
  }
}
