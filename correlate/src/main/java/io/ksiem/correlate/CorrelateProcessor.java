package io.ksiem.correlate;

import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.engine.Engine;
import io.ksiem.event.EventParser;
import io.ksiem.runtime.EventRecords;
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
 * <p>Events reach a task from every events partition, interleaved by arrival. The engine's clock is the lowest of
 * those partitions' clocks ({@link SourceClocks}), so a backlog expires only once every partition has passed its
 * deadline, as it would in time order; a partition silent for a while (default 10 s) no longer holds the clock
 * back. With one events partition this is exactly the time model of a replay.
 *
 * <p>The engine absorbs events up to 5 s out of order (docs/dsiem-reference.md §6.3). An event more than
 * {@link #SLACK} s ahead of that clock waits ({@link WaitingEvents}) until the clock catches up, so a partition that
 * runs ahead (a bulk replay, a catch-up after an outage) cannot push others' events out of their windows. In live
 * use the partitions are within seconds of each other and nothing waits. When directives or assets change, the
 * engine is rebuilt from the store ({@link EngineRebuilder}).
 */
final class CorrelateProcessor implements Processor<String, NormalizedEvent, String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(CorrelateProcessor.class);
  /** How far ahead of the clock an event is taken at once: less than the engine's 5 s tolerance. */
  static final long SLACK = 4;
  /** Past this many waiting events the oldest go on regardless, so memory stays bounded. */
  private static final int QUEUE_LIMIT = 200_000;

  private final Catalog catalog;
  private final CorrelationOptions options;
  private final long idleMillis;
  private final long silenceMillis;
  private final int sources;
  private final CorrelateStats stats;

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
  private long lastEventTime = Long.MIN_VALUE;
  private long lastEventWall;
  private boolean queueOverflowLogged;
  private long assignedWall;
  private boolean servedSinceAssigned;

  CorrelateProcessor(Catalog catalog, CorrelationOptions options, Duration idle, Duration silence, int sources,
      CorrelateStats stats) {
    this.stats = stats;
    this.catalog = catalog;
    this.options = options;
    this.idleMillis = idle.toMillis();
    this.silenceMillis = silence.toMillis();
    this.sources = sources;
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    KeyValueStore<Bytes, byte[]> store = context.getStateStore(CorrelateTopology.BACKLOG_STORE);
    this.directives = context.getStateStore(CorrelateTopology.DIRECTIVE_STORE);
    this.assets = context.getStateStore(CorrelateTopology.ASSET_STORE);
    this.partition = context.taskId().partition();
    this.lastEventWall = context.currentSystemTimeMs();
    this.assignedWall = lastEventWall;
    this.clocks = new SourceClocks(sources, silenceMillis, store, lastEventWall);
    this.queue = new WaitingEvents(store);
    this.output = new TaskOutput(store, stats, partition);
    this.rebuilder = new EngineRebuilder(store, options, output, partition);
    build();
    context.schedule(Duration.ofMillis(Math.min(1000, Math.max(10, Math.min(idleMillis, silenceMillis) / 4))),
        PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  /** A new engine for the current catalog, with the state from the store. */
  private void build() {
    Catalog.Snapshot snap = catalog.refresh(directives, assets);
    engine = rebuilder.build(snap, engine, queue, clocks, output.writtenHeader);
    catalogVersion = snap.version;
    lastEventTime = Math.max(engine.clock(), clocks.max());
    stats.live(partition, engine.liveBacklogs());
  }

  @Override
  public void process(Record<String, NormalizedEvent> record) {
    if (catalog.changes() != catalogVersion) {
      build();
    }
    long now = context.currentSystemTimeMs();
    if (!servedSinceAssigned && record.value() != null) {
      // the failover tests measure takeover from the kill to this line
      servedSinceAssigned = true;
      LOG.info("task {} processed its first event at {} (epoch ms), {} ms after it was assigned", context.taskId(),
          now, now - assignedWall);
    }
    lastEventWall = now;
    if (record.value() == null) {
      // a clock record: an events partition's event time moved on
      int source = Integer.parseInt(record.key().substring(RouterProcessor.CLOCK_KEY.length()));
      long time = record.timestamp() / 1000;
      clocks.spoke(source, time, now);
      lastEventTime = Math.max(lastEventTime, time);
      advance(clocks.watermark(now), false);
      flush(record.timestamp());
      return;
    }
    // the router let only valid events through
    EventParser.Result r = EventRecords.toEngine(record.value());
    if (!r.ok()) {
      throw new IllegalStateException("invalid event past the router: " + r.reason());
    }
    long w = clocks.watermark(now);
    advance(w, false);
    if (r.event().time > w + SLACK) {
      try {
        queue.add(r.event(), record.value().toByteBuffer());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      engine.offer(r.event());
    }
    lastEventTime = Math.max(lastEventTime, r.event().time);
    flush(record.timestamp());
  }

  /**
   * Offers the waiting events the clock {@code w} lets through, in time order, each at its own time (never past
   * {@code w}); then the clock moves to {@code w}. {@code all}: every waiting event goes (the task is quiet).
   */
  private void advance(long w, boolean all) {
    while (!queue.isEmpty()) {
      long t = queue.first().time;
      boolean overflow = queue.size() > QUEUE_LIMIT;
      if (!all && !overflow && t > w + SLACK) {
        break;
      }
      if (overflow && !queueOverflowLogged) {
        LOG.warn("partition {}: more than {} events wait for the clock (one events partition is far ahead of "
            + "another); the oldest go on now", partition, QUEUE_LIMIT);
        queueOverflowLogged = true;
      }
      engine.advanceClock(all ? t : Math.min(t, w));
      engine.offer(queue.poll());
    }
    engine.advanceClock(w);
  }

  /**
   * A partition gone quiet stops holding the clock back; a quiet task's clock follows the wall clock from the last
   * event time, so backlogs still expire.
   */
  private void tick(long now) {
    if (catalog.changes() != catalogVersion) {
      build();
    }
    long since = now - lastEventWall;
    if (lastEventTime == Long.MIN_VALUE) {
      return;
    }
    if (since < idleMillis) {
      long w = clocks.watermark(now);
      if (w > engine.clock()) {
        advance(w, false);
        flush(w * 1000);
      }
      return;
    }
    long target = lastEventTime + since / 1000;
    if (target > engine.clock() || !queue.isEmpty()) {
      advance(target, true);
      flush(target * 1000);
    }
  }

  private void flush(long timestamp) {
    output.flush(context, engine, timestamp);
    rebuilder.syncIfChanged(engine);
  }

  @Override
  public void close() {
    stats.gone(partition);
    if (queue.waited() > 0) {
      LOG.info("partition {}: {} events waited for the other events partitions' clocks", partition, queue.waited());
    }
  }
}
