package io.ksiem.correlate;

import io.ksiem.alarm.AlarmLink;
import io.ksiem.alarm.AlarmOutput;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.engine.Engine;
import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import io.ksiem.runtime.AvroRecords;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.NormalizedEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One correlation task: the engine for the directive groups of one partition. Its state is a store with one entry
 * per live backlog (key {@code b/<backlog id>}), the engine header (clock, creation counter), the clock of each
 * events partition ({@code w/<partition>}) and the directive versions that live backlogs started under
 * ({@code v/<id>/<fingerprint>}). Only what an event changed is written.
 *
 * <p>Events reach a task from every events partition, interleaved by arrival. The engine's clock is the lowest of
 * those partitions' clocks (a watermark), so a backlog expires only once every partition has passed its deadline,
 * as it would in time order; a partition silent for a while (default 10 s) no longer holds the clock back. With one events
 * partition this is exactly the time model of a replay.
 *
 * <p>The engine absorbs events up to 5 s out of order (reference §6.3). An event more than {@link #SLACK} s ahead of
 * that clock waits in the store ({@code q/<time>/<seq>}) until the clock catches up, so a partition that runs ahead
 * (a bulk replay, a catch-up after an outage) cannot push others' events out of their windows. In live use the
 * partitions are within seconds of each other and nothing waits.
 */
final class CorrelateProcessor implements Processor<String, NormalizedEvent, String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(CorrelateProcessor.class);
  private static final Bytes HEADER = Bytes.wrap("h".getBytes(StandardCharsets.UTF_8));
  private static final String BACKLOG = "b/";
  private static final String VERSION = "v/";
  private static final String SOURCE_CLOCK = "w/";
  private static final String QUEUE = "q/";
  /** How far ahead of the clock an event is taken at once: less than the engine's 5 s tolerance. */
  static final long SLACK = 4;
  /** Past this many waiting events the oldest go on regardless, so memory stays bounded. */
  private static final int QUEUE_LIMIT = 200_000;

  private final Catalog catalog;
  private final CorrelationOptions options;
  private final long idleMillis;
  private final long silenceMillis;
  private final CorrelateStats stats;
  private final List<Object> out = new ArrayList<>();
  private final AlarmOutput sink = new AlarmOutput() {
    @Override
    public void alarm(AlarmSnapshot snapshot) {
      out.add(AvroRecords.toAvro(snapshot));
    }

    @Override
    public void alarmEvent(AlarmLink link) {
      out.add(AvroRecords.toAvro(link));
    }
  };

  private ProcessorContext<String, Object> context;
  private KeyValueStore<Bytes, byte[]> store;
  private ReadOnlyKeyValueStore<String, String> directives;
  private ReadOnlyKeyValueStore<String, String> assets;
  private int partition;
  private Engine engine;
  private long catalogVersion = -1;
  private int retiredCount;
  private long lastEventTime = Long.MIN_VALUE;
  private long lastEventWall;
  /** Per events partition: its clock (event time, seconds) and when it last spoke (wall clock, ms). */
  private final long[] sourceClock;
  private final long[] sourceWall;
  /** Events waiting for the clock, by store key: time, then arrival. */
  private final java.util.TreeMap<Bytes, Event> queue = new java.util.TreeMap<>();
  private long queueSeq;
  private boolean queueOverflowLogged;
  private long waited;
  private final long[] writtenHeader = {Long.MIN_VALUE, -1};
  private boolean backlogsChanged;
  /** Writes each backlog the engine changed (or removed) to the store. */
  private final Engine.ChangeListener changes = new Engine.ChangeListener() {
    @Override
    public void changed(String backlogId, byte[] state) {
      backlogsChanged = true;
      store.put(key(BACKLOG, backlogId), state);
    }

    @Override
    public void removed(String backlogId) {
      backlogsChanged = true;
      store.delete(key(BACKLOG, backlogId));
    }
  };

  private long assignedWall;
  private boolean servedSinceAssigned;

  CorrelateProcessor(Catalog catalog, CorrelationOptions options, Duration idle, Duration silence, int sources,
      CorrelateStats stats) {
    this.stats = stats;
    this.catalog = catalog;
    this.options = options;
    this.idleMillis = idle.toMillis();
    this.silenceMillis = silence.toMillis();
    this.sourceClock = new long[sources];
    this.sourceWall = new long[sources];
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.store = context.getStateStore(CorrelateTopology.BACKLOG_STORE);
    this.directives = context.getStateStore(CorrelateTopology.DIRECTIVE_STORE);
    this.assets = context.getStateStore(CorrelateTopology.ASSET_STORE);
    this.partition = context.taskId().partition();
    this.lastEventWall = context.currentSystemTimeMs();
    this.assignedWall = lastEventWall;
    java.util.Arrays.fill(sourceClock, Long.MIN_VALUE);
    java.util.Arrays.fill(sourceWall, lastEventWall);
    build();
    context.schedule(Duration.ofMillis(Math.min(1000, Math.max(10, Math.min(idleMillis, silenceMillis) / 4))),
        PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  /** A new engine for the current catalog, with the state from the store. */
  private void build() {
    Catalog.Snapshot snap = catalog.refresh(directives, assets);
    Map<Long, Directive> retired = new LinkedHashMap<>();
    List<byte[]> backlogs = new ArrayList<>();
    long[] header = {Long.MIN_VALUE, 0};
    queue.clear();
    try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        String key = new String(kv.key.get(), StandardCharsets.UTF_8);
        if (key.startsWith(BACKLOG)) {
          backlogs.add(kv.value);
        } else if (key.startsWith(VERSION)) {
          DirectiveLoader l = new DirectiveLoader();
          try {
            l.load("state store", "{\"directives\":[" + new String(kv.value, StandardCharsets.UTF_8) + "]}");
          } catch (java.io.IOException e) {
            LOG.error("stored directive version {} is not readable: {}", key, e.getMessage());
          }
          l.directives().forEach(d -> retired.put(d.fingerprint, d));
        } else if (key.startsWith(QUEUE)) {
          try {
            queue.put(kv.key, AvroRecords.toEngine(io.ksiem.schemas.NormalizedEvent.fromByteBuffer(
                ByteBuffer.wrap(kv.value))).event());
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("a waiting event in the store is not readable: " + key, e);
          }
          queueSeq = Math.max(queueSeq, ByteBuffer.wrap(kv.key.get()).getLong(QUEUE.length() + 8) + 1);
        } else if (key.startsWith(SOURCE_CLOCK)) {
          int source = Integer.parseInt(key.substring(SOURCE_CLOCK.length()));
          if (source < sourceClock.length) {
            sourceClock[source] = Math.max(sourceClock[source], ByteBuffer.wrap(kv.value).getLong());
          }
        } else if (kv.key.equals(HEADER)) {
          ByteBuffer b = ByteBuffer.wrap(kv.value);
          header = new long[] {b.getLong(), b.getLong()};
          writtenHeader[0] = header[0];
          writtenHeader[1] = header[1];
        }
      }
    }
    // the engine being replaced knows the versions its backlogs started under
    if (engine != null) {
      engine.directives().forEach(d -> retired.putIfAbsent(d.fingerprint, d));
      engine.retiredVersions().forEach(d -> retired.putIfAbsent(d.fingerprint, d));
    }
    engine = new Engine(snap.on(partition), new ArrayList<>(retired.values()), snap.assets, options, sink,
        Engine.Dispatch.INDEXED, true);
    List<String> orphans = engine.restore(header, backlogs);
    for (String o : orphans) {
      LOG.error("partition {}: a backlog cannot go on and is dropped: {}", partition, o);
    }
    catalogVersion = snap.version;
    lastEventTime = Math.max(engine.clock(), maxSourceClock());
    stats.live(partition, engine.liveBacklogs());
    if (!orphans.isEmpty()) {
      // their entries go, so the next build does not report them again
      Set<String> live = new HashSet<>();
      engine.backlogs().forEach(b -> live.add(b.id()));
      List<Bytes> stale = new ArrayList<>();
      try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(BACKLOG, new StringSerializer())) {
        while (it.hasNext()) {
          Bytes k = it.next().key;
          if (!live.contains(new String(k.get(), StandardCharsets.UTF_8).substring(BACKLOG.length()))) {
            stale.add(k);
          }
        }
      }
      stale.forEach(store::delete);
    }
    syncVersions();
  }

  /** The store keeps exactly the earlier directive versions that live backlogs still run under. */
  private void syncVersions() {
    Map<Bytes, Directive> wanted = new HashMap<>();
    for (Directive d : engine.retiredVersions()) {
      wanted.put(key(VERSION, d.id + "/" + Long.toHexString(d.fingerprint)), d);
    }
    List<Bytes> drop = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(VERSION, new StringSerializer())) {
      while (it.hasNext()) {
        Bytes k = it.next().key;
        if (wanted.remove(k) == null) {
          drop.add(k);
        }
      }
    }
    drop.forEach(store::delete);
    wanted.forEach((k, d) -> store.put(k, d.json.getBytes(StandardCharsets.UTF_8)));
    retiredCount = engine.retiredInUse();
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
      if (source >= sourceClock.length) {
        throw new IllegalStateException("a clock record of events partition " + source + ", but the settings say "
            + sourceClock.length + " partitions");
      }
      sourceWall[source] = now;
      if (time > sourceClock[source]) {
        sourceClock[source] = time;
        store.put(key(SOURCE_CLOCK, Integer.toString(source)), ByteBuffer.allocate(8).putLong(time).array());
      }
      lastEventTime = Math.max(lastEventTime, time);
      advance(watermark(now), false);
      flush(record.timestamp());
      syncIfRetiredChanged();
      return;
    }
    // the router let only valid events through
    EventParser.Result r = AvroRecords.toEngine(record.value());
    if (!r.ok()) {
      throw new IllegalStateException("invalid event past the router: " + r.reason());
    }
    long w = watermark(now);
    advance(w, false);
    if (r.event().time > w + SLACK) {
      Bytes key = queueKey(r.event().time, queueSeq++);
      try {
        ByteBuffer bb = record.value().toByteBuffer();
        byte[] bytes = new byte[bb.remaining()];
        bb.get(bytes);
        store.put(key, bytes);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      queue.put(key, r.event());
      waited++;
    } else {
      engine.offer(r.event());
    }
    lastEventTime = Math.max(lastEventTime, r.event().time);
    flush(record.timestamp());
    syncIfRetiredChanged();
  }

  private static Bytes key(String prefix, String rest) {
    return Bytes.wrap((prefix + rest).getBytes(StandardCharsets.UTF_8));
  }

  /** {@code q/}, then time and arrival as big-endian longs: sorts by time, then arrival (both never negative). */
  private static Bytes queueKey(long time, long seq) {
    byte[] q = QUEUE.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(q.length + 16).put(q).putLong(time).putLong(seq).array());
  }

  /**
   * Offers the waiting events the clock {@code w} lets through, in time order, each at its own time (never past
   * {@code w}); then the clock moves to {@code w}. {@code all}: every waiting event goes (the task is quiet).
   */
  private void advance(long w, boolean all) {
    while (!queue.isEmpty()) {
      var first = queue.firstEntry();
      long t = first.getValue().time;
      boolean overflow = queue.size() > QUEUE_LIMIT;
      if (!all && !overflow && t > w + SLACK) {
        break;
      }
      if (overflow && !queueOverflowLogged) {
        LOG.warn("partition {}: more than {} events wait for the clock (one events partition is far ahead of "
            + "another); the oldest go on now", partition, QUEUE_LIMIT);
        queueOverflowLogged = true;
      }
      queue.pollFirstEntry();
      store.delete(first.getKey());
      engine.advanceClock(all ? t : Math.min(t, w));
      engine.offer(first.getValue());
    }
    engine.advanceClock(w);
  }

  private void syncIfRetiredChanged() {
    if (retiredCount > 0 && engine.retiredInUse() != retiredCount) {
      syncVersions();
    }
  }

  /**
   * The lowest clock of the events partitions that spoke within the silence time; the highest of all when none did
   * (the task is then quiet and {@link #tick} takes over).
   */
  private long watermark(long now) {
    long low = Long.MAX_VALUE;
    for (int i = 0; i < sourceClock.length; i++) {
      if (now - sourceWall[i] < silenceMillis) {
        low = Math.min(low, sourceClock[i]);
      }
    }
    return low == Long.MAX_VALUE ? maxSourceClock() : low;
  }

  private long maxSourceClock() {
    long high = Long.MIN_VALUE;
    for (long c : sourceClock) {
      high = Math.max(high, c);
    }
    return high;
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
      long w = watermark(now);
      if (w > engine.clock()) {
        advance(w, false);
        flush(w * 1000);
        syncIfRetiredChanged();
      }
      return;
    }
    long target = lastEventTime + since / 1000;
    if (target > engine.clock() || !queue.isEmpty()) {
      advance(target, true);
      flush(target * 1000);
      syncIfRetiredChanged();
    }
  }

  private void flush(long timestamp) {
    for (Object o : out) {
      String key = o instanceof Alarm a ? a.getAlarmId()
          : ((AlarmEvent) o).getAlarmId();
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
      store.put(HEADER, ByteBuffer.allocate(16).putLong(writtenHeader[0]).putLong(writtenHeader[1]).array());
    }
  }

  @Override
  public void close() {
    stats.gone(partition);
    if (waited > 0) {
      LOG.info("partition {}: {} events waited for the other events partitions' clocks", partition, waited);
    }
  }
}
