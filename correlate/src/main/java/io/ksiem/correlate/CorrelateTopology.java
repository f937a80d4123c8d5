package io.ksiem.correlate;

import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.event.TimeBounds;
import io.ksiem.runtime.EventRecords;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.topic.Topics;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.Stores;

/**
 * Correlate: routes each normalized event to the partitions of the directive groups it can match and runs the
 * engine there on the events partitions' watermark, with backlogs in a changelogged RocksDB store, emitting alarm
 * snapshots, alarm-event links and late events.
 */
public final class CorrelateTopology {
  public static final String BACKLOG_STORE = "backlogs";
  public static final String DIRECTIVE_STORE = "directives";
  public static final String ASSET_STORE = "assets";
  /** The name part of the internal topic that carries events to their groups' partitions. */
  public static final String ROUTED = "routed";

  private CorrelateTopology() {
  }

  /**
   * What the topology needs beyond the topics: the partitions of the routed topic, those of the events topic
   * (every one of them has a clock, see {@link SourceClocks}), the engine's options, the quiet time after which a
   * declared-idle events partition's clock follows the wall clock, how long an events partition that neither sends
   * nor is declared idle holds the clock back ({@code maxWait}), and the event time bounds (docs/time-model.md).
   */
  public record Options(int partitions, int sources, CorrelationOptions engine, Duration idle, Duration maxWait,
      TimeBounds bounds, CorrelateStats stats) {
    public Options(int partitions, int sources, CorrelationOptions engine, Duration idle, Duration maxWait,
        TimeBounds bounds) {
      this(partitions, sources, engine, idle, maxWait, bounds, new CorrelateStats());
    }
  }

  public static Topology build(Topics topics, Catalog catalog, Options options) {
    StreamsBuilder b = new StreamsBuilder();
    b.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DIRECTIVE_STORE), Serdes.String(),
            Serdes.String()).withLoggingDisabled(), topics.directives.name(),
        Consumed.with(Serdes.String(), Serdes.String()).withName("directives-source"),
        () -> new ControlProcessor(DIRECTIVE_STORE, catalog));
    b.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ASSET_STORE), Serdes.String(),
            Serdes.String()).withLoggingDisabled(), topics.assets.name(),
        Consumed.with(Serdes.String(), Serdes.String()).withName("assets-source"),
        () -> new ControlProcessor(ASSET_STORE, catalog));
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BACKLOG_STORE), Serdes.Bytes(),
        Serdes.ByteArray()));

    KStream<String, Object> checked = b.stream(topics.events.name(),
            Consumed.with(topics.events.keySerde(), topics.events.valueSerde()).withName("events-source"))
        .process(() -> new RouterProcessor(catalog, options.bounds(), options.stats()), Named.as("check"));
    var router = checked.split(Named.as("checked-"));
    router.branch((k, v) -> v instanceof RouterProcessor.Invalid, Branched.withConsumer(s -> s
        .mapValues(v -> topics.events.valueSerde().serializer().serialize(topics.events.name(),
            ((RouterProcessor.Invalid) v).event()), Named.as("invalid-event-bytes"))
        .to(topics.deadLetter.name(), Produced.with(Serdes.String(), Serdes.ByteArray())
            .withName("dead-letter-sink")), "invalid"));
    // valid events, and clock and idle records (null values)
    router.defaultBranch(Branched.withConsumer(valid -> {
      KStream<String, Object> out = valid
          .mapValues(v -> (NormalizedEvent) v, Named.as("valid"))
          .repartition(Repartitioned.<String, NormalizedEvent>as(ROUTED)
              .withKeySerde(topics.events.keySerde()).withValueSerde(topics.events.valueSerde())
              .withNumberOfPartitions(options.partitions())
              .withStreamPartitioner(new GroupPartitioner(catalog)))
          .process(() -> new CorrelateProcessor(catalog, options.engine(), options.idle(),
              options.maxWait(), options.sources(), options.stats()), Named.as("correlate"),
              BACKLOG_STORE);
      var outputs = out.split(Named.as("output-"));
      outputs.branch((k, v) -> v instanceof Alarm, Branched.withConsumer(s -> s
          .mapValues(v -> (Alarm) v, Named.as("alarm"))
          .to(topics.alarms.name(), Produced.with(topics.alarms.keySerde(), topics.alarms.valueSerde())
              .withName("alarms-sink")), "alarms"));
      outputs.branch((k, v) -> v instanceof TaskOutput.Late, Branched.withConsumer(s -> s
          .mapValues(v -> ((TaskOutput.Late) v).event(), Named.as("late-event"))
          .to(topics.lateEvents.name(), Produced.with(topics.lateEvents.keySerde(), topics.lateEvents.valueSerde())
              .withName("late-events-sink")), "late"));
      outputs.defaultBranch(Branched.withConsumer(s -> s
          .mapValues(v -> (AlarmEvent) v, Named.as("alarm-event"))
          .to(topics.alarmEvents.name(), Produced.with(topics.alarmEvents.keySerde(),
              topics.alarmEvents.valueSerde()).withName("alarm-events-sink")), "alarm-events"));
    }, "valid"));
    return b.build();
  }

  /** Multicasts an event to the partitions of the groups holding a directive whose pre-filter it passes. */
  static final class GroupPartitioner implements StreamPartitioner<String, NormalizedEvent> {
    private final Catalog catalog;

    GroupPartitioner(Catalog catalog) {
      this.catalog = catalog;
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, NormalizedEvent value, int numPartitions) {
      Catalog.Snapshot s = catalog.current();
      if (s.partitions() != numPartitions) {
        throw new IllegalStateException(topic + " has " + numPartitions + " partitions, the settings say "
            + s.partitions());
      }
      if (value == null) {
        return Optional.of(s.allPartitions());
      }
      Set<Integer> route = catalog.rememberedRoute(value);
      return Optional.of(route != null ? route : s.route(EventRecords.toEngine(value).event()));
    }
  }
}
