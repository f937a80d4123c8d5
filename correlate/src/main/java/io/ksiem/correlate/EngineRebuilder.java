package io.ksiem.correlate;

import io.ksiem.alarm.AlarmOutput;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.engine.Engine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a correlation task's engine from the current catalog and the task's store, at start and again whenever
 * directives or assets change, and keeps in the store exactly the earlier directive versions that live backlogs
 * still run under (a backlog finishes under the directive it started with).
 */
final class EngineRebuilder {
  private static final Logger LOG = LoggerFactory.getLogger(EngineRebuilder.class);

  private final KeyValueStore<Bytes, byte[]> store;
  private final CorrelationOptions options;
  private final AlarmOutput output;
  private final int partition;
  private int retiredCount;

  EngineRebuilder(KeyValueStore<Bytes, byte[]> store, CorrelationOptions options, AlarmOutput output,
      int partition) {
    this.store = store;
    this.options = options;
    this.output = output;
    this.partition = partition;
  }

  /**
   * A new engine for {@code snap}, with the backlogs and header from the store; the waiting events and the source
   * clocks found there go to {@code waiting} and {@code clocks}. {@code previous} (or null) is the engine being
   * replaced: it knows the versions its backlogs started under.
   */
  Engine build(Catalog.Snapshot snap, Engine previous, WaitingEvents waiting, SourceClocks clocks,
      long[] writtenHeader) {
    Map<Long, Directive> retired = new LinkedHashMap<>();
    List<byte[]> backlogs = new ArrayList<>();
    long[] header = {Long.MIN_VALUE, 0};
    waiting.clear();
    try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        switch (StoreKeys.kind(kv.key)) {
          case BACKLOG -> backlogs.add(kv.value);
          case VERSION -> {
            DirectiveLoader l = new DirectiveLoader();
            try {
              l.load("state store", "{\"directives\":[" + new String(kv.value, StandardCharsets.UTF_8) + "]}");
            } catch (IOException e) {
              LOG.error("stored directive version {} is not readable: {}",
                  new String(kv.key.get(), StandardCharsets.UTF_8), e.getMessage());
            }
            l.directives().forEach(d -> retired.put(d.fingerprint, d));
          }
          case QUEUE -> waiting.restore(kv.key);
          case SOURCE_CLOCK -> clocks.restore(StoreKeys.source(kv.key), StoreKeys.longValue(kv.value));
          case HEADER -> {
            ByteBuffer b = ByteBuffer.wrap(kv.value);
            header = new long[] {b.getLong(), b.getLong()};
            writtenHeader[0] = header[0];
            writtenHeader[1] = header[1];
          }
          case UNKNOWN -> { }
        }
      }
    }
    if (previous != null) {
      previous.directives().forEach(d -> retired.putIfAbsent(d.fingerprint, d));
      previous.retiredVersions().forEach(d -> retired.putIfAbsent(d.fingerprint, d));
    }
    Engine engine = new Engine(snap.on(partition), new ArrayList<>(retired.values()), snap.assets, options, output,
        Engine.Dispatch.INDEXED, true);
    List<String> orphans = engine.restore(header, backlogs);
    for (String o : orphans) {
      LOG.error("partition {}: a backlog cannot go on and is dropped: {}", partition, o);
    }
    if (!orphans.isEmpty()) {
      // their entries go, so the next build does not report them again
      Set<String> live = new HashSet<>();
      engine.backlogs().forEach(b -> live.add(b.id()));
      List<Bytes> stale = new ArrayList<>();
      try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(StoreKeys.BACKLOG, new StringSerializer())) {
        while (it.hasNext()) {
          Bytes k = it.next().key;
          if (!live.contains(StoreKeys.backlogId(k))) {
            stale.add(k);
          }
        }
      }
      stale.forEach(store::delete);
    }
    syncVersions(engine);
    return engine;
  }

  /** Writes the versions again when the number in use changed since the last write. */
  void syncIfChanged(Engine engine) {
    if (retiredCount > 0 && engine.retiredInUse() != retiredCount) {
      syncVersions(engine);
    }
  }

  /** The store keeps exactly the earlier directive versions that live backlogs still run under. */
  private void syncVersions(Engine engine) {
    Map<Bytes, Directive> wanted = new HashMap<>();
    for (Directive d : engine.retiredVersions()) {
      wanted.put(StoreKeys.version(d.id, d.fingerprint), d);
    }
    List<Bytes> drop = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(StoreKeys.VERSION, new StringSerializer())) {
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
}
