package io.ksiem.ingest;

import io.ksiem.event.TimeBounds;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.topic.Topic;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Ingest: normalizes each source's raw records into NormalizedEvents, dead-letters with the reason what cannot be
 * normalized, and declares an events partition idle while the raw partitions that feed it have nothing unread.
 */
public final class IngestTopology {
  private IngestTopology() {
  }

  public static Topology build(Topics topics, List<Normalizer> sources, TimeBounds bounds,
      UpstreamPositions upstream, MeterRegistry meters) {
    StreamsBuilder b = new StreamsBuilder();
    for (Normalizer n : sources) {
      String s = n.source();
      Topic<byte[], byte[]> raw = topics.raw(s);
      KStream<byte[], Object> out = b.stream(raw.name(), Consumed.with(raw.keySerde(), raw.valueSerde())
              .withName(s + "-source"))
          .process(() -> new NormalizeProcessor(n, raw.name(), bounds, upstream, meters), Named.as(s + "-normalize"));
      var branches = out.split(Named.as(s + "-"));
      // events and idleness declarations (a null value) go to the same partition, in the order they were made
      branches.branch((k, v) -> !(v instanceof NormalizeProcessor.DeadLetter), Branched.withConsumer(events -> events
          .mapValues(v -> v instanceof NormalizedEvent e ? e : null, Named.as(s + "-event"))
          .to(topics.events.name(), Produced.with(Serdes.ByteArray(), topics.events.valueSerde())
              .withStreamPartitioner(SAME_PARTITION).withName(s + "-events-sink")), "events"));
      branches.defaultBranch(Branched.withConsumer(dead -> dead
          .mapValues(v -> ((NormalizeProcessor.DeadLetter) v).value(), Named.as(s + "-original"))
          .to(topics.deadLetter.name(), Produced.with(topics.deadLetter.keySerde(), topics.deadLetter.valueSerde())
              .withName(s + "-dead-letter-sink")), "dead-letter"));
    }
    return b.build();
  }

  /**
   * Raw partition p goes to events partition p (mod the count), not by key: a raw partition is in time order (a
   * shipper's stream), and keeping it whole keeps the events partitions in time order, which the correlation
   * clock relies on. Hashing by event id would interleave partitions that are at different times.
   */
  private static final StreamPartitioner<byte[], NormalizedEvent> SAME_PARTITION =
      (topic, key, value, partitions) -> Optional.of(Set.of(NormalizeProcessor.SOURCE_PARTITION.get()[0] % partitions));

  /** Dead letters of ingest by reason class: {@code invalid} (not an event), {@code time}, {@code size}. */
  static Counter deadLetters(MeterRegistry meters, String reasonClass) {
    return io.ksiem.runtime.AppMetrics.deadLetters(meters, "ingest", reasonClass);
  }

  static Counter counter(MeterRegistry meters, String source, String outcome) {
    return Counter.builder("ksiem.ingest.records").tag("source", source).tag("outcome", outcome)
        .description("raw records by source and outcome").register(meters);
  }
}
