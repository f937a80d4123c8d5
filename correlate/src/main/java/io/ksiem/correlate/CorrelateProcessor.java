package io.ksiem.correlate;

import io.ksiem.alarm.Alarm;
import io.ksiem.alarm.AlarmEvent;
import io.ksiem.alarm.AlarmSink;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.engine.Engine;
import io.ksiem.engine.EngineOptions;
import io.ksiem.event.EventParser;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
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
 * per live backlog (key {@code b/<backlog id>}), the engine header (clock, creation counter) and the directive
 * versions that live backlogs started under ({@code v/<id>/<fingerprint>}). Only what an event changed is written.
 */
final class CorrelateProcessor implements Processor<String, io.ksiem.schemas.NormalizedEvent, String, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(CorrelateProcessor.class);
  private static final Bytes HEADER = Bytes.wrap("h".getBytes(StandardCharsets.UTF_8));
  private static final String BACKLOG = "b/";
  private static final String VERSION = "v/";

  private final Catalog catalog;
  private final EngineOptions options;
  private final long idleMillis;
  private final List<Object> out = new ArrayList<>();
  private final AlarmSink sink = new AlarmSink() {
    @Override
    public void alarm(Alarm snapshot) {
      out.add(AvroRecords.toAvro(snapshot));
    }

    @Override
    public void alarmEvent(AlarmEvent link) {
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

  CorrelateProcessor(Catalog catalog, EngineOptions options, Duration idle) {
    this.catalog = catalog;
    this.options = options;
    this.idleMillis = idle.toMillis();
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.store = context.getStateStore(CorrelateTopology.BACKLOG_STORE);
    this.directives = context.getStateStore(CorrelateTopology.DIRECTIVE_STORE);
    this.assets = context.getStateStore(CorrelateTopology.ASSET_STORE);
    this.partition = context.taskId().partition();
    this.lastEventWall = context.currentSystemTimeMs();
    build();
    context.schedule(Duration.ofMillis(Math.min(1000, Math.max(10, idleMillis / 4))),
        PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  /** A new engine for the current catalog, with the state from the store. */
  private void build() {
    Catalog.Snapshot snap = catalog.refresh(directives, assets);
    Map<Long, Directive> retired = new LinkedHashMap<>();
    List<byte[]> backlogs = new ArrayList<>();
    long[] header = {Long.MIN_VALUE, 0};
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
        } else if (kv.key.equals(HEADER)) {
          ByteBuffer b = ByteBuffer.wrap(kv.value);
          header = new long[] {b.getLong(), b.getLong()};
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
    lastEventTime = engine.clock();
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
      wanted.put(Bytes.wrap((VERSION + d.id + "/" + Long.toHexString(d.fingerprint))
          .getBytes(StandardCharsets.UTF_8)), d);
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
    retiredCount = engine.retiredVersions().size();
  }

  @Override
  public void process(Record<String, io.ksiem.schemas.NormalizedEvent> record) {
    if (catalog.changes() != catalogVersion) {
      build();
    }
    if (record.value() == null) {
      // a clock record: the stream's event time moved on
      lastEventWall = context.currentSystemTimeMs();
      engine.advanceClock(record.timestamp() / 1000);
      lastEventTime = engine.clock();
      flush(record.timestamp());
      syncIfRetiredChanged();
      return;
    }
    // the router let only valid events through
    EventParser.Result r = AvroRecords.toEngine(record.value());
    if (!r.ok()) {
      throw new IllegalStateException("invalid event past the router: " + r.reason());
    }
    lastEventWall = context.currentSystemTimeMs();
    engine.process(r.event());
    lastEventTime = engine.clock();
    flush(record.timestamp());
    syncIfRetiredChanged();
  }

  private void syncIfRetiredChanged() {
    if (retiredCount > 0 && engine.retiredVersions().size() != retiredCount) {
      syncVersions();
    }
  }

  /** Quiet partition: the clock follows the wall clock from the last event time, so backlogs still expire. */
  private void tick(long now) {
    if (catalog.changes() != catalogVersion) {
      build();
    }
    long since = now - lastEventWall;
    if (lastEventTime == Long.MIN_VALUE || since < idleMillis) {
      return;
    }
    long target = lastEventTime + since / 1000;
    if (target > engine.clock()) {
      engine.advanceClock(target);
      flush(target * 1000);
      if (retiredCount > 0) {
        syncVersions();
      }
    }
  }

  private void flush(long timestamp) {
    for (Object o : out) {
      String key = o instanceof io.ksiem.schemas.Alarm a ? a.getAlarmId()
          : ((io.ksiem.schemas.AlarmEvent) o).getAlarmId();
      context.forward(new Record<>(key, o, timestamp));
    }
    out.clear();
    engine.drainChanges(new Engine.ChangeListener() {
      @Override
      public void changed(String backlogId, byte[] state) {
        store.put(Bytes.wrap((BACKLOG + backlogId).getBytes(StandardCharsets.UTF_8)), state);
      }

      @Override
      public void removed(String backlogId) {
        store.delete(Bytes.wrap((BACKLOG + backlogId).getBytes(StandardCharsets.UTF_8)));
      }
    });
    long[] h = engine.header();
    store.put(HEADER, ByteBuffer.allocate(16).putLong(h[0]).putLong(h[1]).array());
  }
}
