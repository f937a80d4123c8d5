package io.ksiem.correlate;

import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.engine.Engine;
import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import io.ksiem.runtime.EventRecords;
import io.ksiem.runtime.LogContext;
import io.ksiem.runtime.RateLimitedLog;
import io.ksiem.schemas.NormalizedEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One correlation task: the engine for the directive groups of one partition, its state in a store laid out by
 * {@link StoreKeys}, where only what an event changed is written ({@link TaskOutput}).
 *
 * <p>Events reach a task from every events partition, interleaved by arrival. The engine's clock is the watermark
 * of those partitions ({@link SourceClocks}, docs/time-model.md), so a backlog expires only once every partition
 * has passed its deadline, as it would in time order. With one events partition this is exactly the time model of
 * a replay.
 *
 * <p>The engine absorbs events up to 5 s out of order (docs/dsiem-reference.md §6.3). An event more than
 * {@link #SLACK} s ahead of the clock waits in the store ({@link WaitingEvents}) until the clock catches up, so a
 * partition that runs ahead (a bulk replay, a catch-up after an outage) cannot push others' events out of their
 * windows. An event more than {@link #TOLERANCE} s behind the clock is late: it is still correlated, and it is
 * counted, logged at a bounded rate and written to the late-events topic ({@link TaskOutput#late}). When directives or
 * assets change, the engine is rebuilt from the store ({@link EngineRebuilder}).
 */
final class CorrelateProcessor implements Processor<String, NormalizedEvent, String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(CorrelateProcessor.class);
  /** How far ahead of the clock an event is taken at once: less than the engine's 5 s tolerance. */
  static final long SLACK = 4;
  /** The engine's out-of-order tolerance (docs/dsiem-reference.md §6.3): behind the clock by more is late. */
  static final long TOLERANCE = 5;

  private final Catalog catalog;
  private final CorrelationOptions options;
  private final long idleMillis;
  private final long maxWaitMillis;
  private final int sources;
  private final CorrelateStats stats;
  private io.micrometer.core.instrument.Counter events;
  /** The engine's clock as the metrics read it, from another thread. */
  private volatile long shownClock = Long.MIN_VALUE;
  private final RateLimitedLog lateLog = new RateLimitedLog(LOG, 5, Duration.ofMinutes(1));

  private ProcessorContext<String, Object> context;
  private ReadOnlyKeyValueStore<String, String> directives;
  private ReadOnlyKeyValueStore<String, String> assets;
  private int partition;
  private Engine engine;
  private EngineRebuilder rebuilder;
  private TaskOutput output;
  private SourceClocks clocks;
  private WaitingEvents queue;
  private long catalogVersion = -1;
  private long assignedWall;
  private boolean servedSinceAssigned;
  private int passedOverLogged;

  CorrelateProcessor(Catalog catalog, CorrelationOptions options, Duration idle, Duration maxWait, int sources,
      CorrelateStats stats) {
    this.stats = stats;
    this.catalog = catalog;
    this.options = options;
    this.idleMillis = idle.toMillis();
    this.maxWaitMillis = maxWait.toMillis();
    this.sources = sources;
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    KeyValueStore<Bytes, byte[]> store = context.getStateStore(CorrelateTopology.BACKLOG_STORE);
    this.directives = context.getStateStore(CorrelateTopology.DIRECTIVE_STORE);
    this.assets = context.getStateStore(CorrelateTopology.ASSET_STORE);
    this.partition = context.taskId().partition();
    this.assignedWall = context.currentSystemTimeMs();
    this.clocks = new SourceClocks(sources, idleMillis, maxWaitMillis, store, assignedWall);
    this.queue = new WaitingEvents(store);
    this.output = new TaskOutput(store, stats, partition);
    this.events = stats.meters().events(partition);
    stats.meters().task(partition, () -> shownClock, stats);
    this.rebuilder = new EngineRebuilder(store, options, output, partition);
    build();
    context.schedule(Duration.ofMillis(Math.min(1000, Math.max(10, idleMillis / 4))),
        PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  /** A new engine for the current catalog, with the state from the store. */
  private void build() {
    Catalog.Snapshot snap = catalog.refresh(directives, assets);
    engine = rebuilder.build(snap, engine, queue, clocks, output.writtenHeader);
    catalogVersion = snap.version;
    stats.live(partition, engine.liveBacklogs());
    stats.waiting(partition, queue.size());
  }

  @Override
  public void process(Record<String, NormalizedEvent> record) {
    if (catalog.changes() != catalogVersion) {
      build();
    }
    long now = context.currentSystemTimeMs();
    if (record.value() == null) {
      String key = record.key();
      if (key.startsWith(RouterProcessor.CLOCK_KEY)) {
        clocks.progress(Integer.parseInt(key.substring(RouterProcessor.CLOCK_KEY.length())),
            record.timestamp() / 1000, RouterProcessor.appendedOf(record.headers(), Long.MIN_VALUE), now);
      } else if (key.startsWith(RouterProcessor.IDLE_KEY)) {
        // the record's time is when its router made it: one read late (from a backlog) no longer counts
        clocks.declaredIdle(Integer.parseInt(key.substring(RouterProcessor.IDLE_KEY.length())), record.timestamp(),
            RouterProcessor.appendedOf(record.headers(), record.timestamp()), now);
      } else {
        throw new IllegalStateException("a record with no value past the router, keyed " + key);
      }
      advance(clocks.watermark(now));
      flush(record.timestamp());
      return;
    }
    if (!servedSinceAssigned) {
      // the failover tests measure takeover from the kill to this line
      servedSinceAssigned = true;
      try (var c = LogContext.task(context.taskId())) {
        LOG.info("task {} processed its first event at {} (epoch ms), {} ms after it was assigned", context.taskId(),
            now, now - assignedWall);
      }
    }
    events.increment();
    // the router let only valid events through
    EventParser.Result r = EventRecords.toEngine(record.value());
    if (!r.ok()) {
      throw new IllegalStateException("invalid event past the router: " + r.reason());
    }
    Event e = r.event();
    long w = clocks.watermark(now);
    advance(w);
    long behind = engine.clock() == Long.MIN_VALUE ? 0 : engine.clock() - e.time;
    if (behind > TOLERANCE) {
      // behind the engine's clock, whatever the watermark says now: it can only be late, never wait
      late(record, e, behind);
      engine.offer(e);
    } else if (e.time > w + SLACK) {
      try {
        queue.add(e, record.value().toByteBuffer());
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
      stats.waiting(partition, queue.size());
    } else {
      engine.offer(e);
    }
    flush(record.timestamp());
  }

  /** Counts, logs (bounded) and writes out a late event; the engine still gets it. */
  private void late(Record<String, NormalizedEvent> record, Event e, long behind) {
    java.util.SortedSet<String> groups = catalog.current().groups(e, partition);
    stats.late(partition, groups);
    try (var c = LogContext.task(context.taskId())) {
      lateLog.warn("partition {}: event {} at {} arrived {} s behind the task's clock {} (groups {}); it is "
          + "correlated late and written to the late-events topic", partition, e.eventId, e.timestamp, behind,
          engine.clock(), groups);
    }
    output.late(record.value(), behind, engine.clock(), String.valueOf(context.taskId()), groups);
  }

  /**
   * Offers the waiting events the clock {@code w} lets through, in time order, each at its own time (never past
   * {@code w}); then the clock moves to {@code w}.
   */
  private void advance(long w) {
    if (w == Long.MIN_VALUE) {
      return;
    }
    if (queue.earliest() <= w + SLACK) {
      queue.release(w + SLACK, ev -> {
        engine.advanceClock(Math.min(ev.time, w));
        engine.offer(ev);
      });
      stats.waiting(partition, queue.size());
    }
    engine.advanceClock(w);
  }

  /** The watermark moves with the wall clock for sources declared idle or passed over. */
  private void tick(long now) {
    if (catalog.changes() != catalogVersion) {
      build();
    }
    stats.caps(partition, engine.capCounts());
    int over = clocks.passedOver(now);
    if (over != passedOverLogged) {
      if (over > passedOverLogged) {
        try (var c = LogContext.task(context.taskId())) {
          LOG.warn("partition {}: {} events partitions neither sent nor were declared idle for {} s; the clock "
              + "no longer waits for them (their later events may be late)", partition, over, maxWaitMillis / 1000);
        }
      }
      passedOverLogged = over;
    }
    long w = clocks.watermark(now);
    if (w > engine.clock() || queue.earliest() <= w + SLACK) {
      advance(w);
      flush(now);
    }
  }

  private void flush(long timestamp) {
    output.flush(context, engine, timestamp);
    shownClock = engine.clock();
    rebuilder.syncIfChanged(engine);
  }

  @Override
  public void close() {
    stats.gone(partition);
    if (queue.waited() > 0) {
      try (var c = LogContext.task(context.taskId())) {
        LOG.info("partition {}: {} events waited for the other events partitions' clocks", partition,
            queue.waited());
      }
    }
  }
}
