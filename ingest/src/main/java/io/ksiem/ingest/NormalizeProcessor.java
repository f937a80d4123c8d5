package io.ksiem.ingest;

import io.ksiem.runtime.App;
import io.ksiem.runtime.EventRecords;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Normalizes one source's raw records. An event goes on keyed by its id with the event time as record timestamp; a
 * record that cannot be normalized goes on unchanged (key, value, headers) with the reason and its origin in
 * headers, for the dead-letter topic; a record the source's mapping says to skip is counted.
 */
final class NormalizeProcessor implements Processor<byte[], byte[], byte[], Object> {
  private final Normalizer normalizer;
  private final Counter normalized;
  private final Counter deadLettered;
  private final Counter skipped;
  private ProcessorContext<byte[], Object> context;

  NormalizeProcessor(Normalizer normalizer, MeterRegistry meters) {
    this.normalizer = normalizer;
    this.normalized = IngestTopology.counter(meters, normalizer.source(), "normalized");
    this.deadLettered = IngestTopology.counter(meters, normalizer.source(), "dead-lettered");
    this.skipped = IngestTopology.counter(meters, normalizer.source(), "skipped");
  }

  /**
   * The raw partition of the record being forwarded, for the partitioner of the events sink, which runs next on the
   * same thread.
   */
  static final ThreadLocal<int[]> SOURCE_PARTITION = ThreadLocal.withInitial(() -> new int[1]);

  @Override
  public void init(ProcessorContext<byte[], Object> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata m = context.recordMetadata().orElseThrow();
    String origin = m.topic() + "/" + m.partition() + "/" + m.offset();
    Outcome o = record.value() == null ? Outcome.failed("the record has no value")
        : normalizer.normalize(record.value(), origin);
    if (o.ok()) {
      normalized.increment();
      NormalizedEvent e = EventRecords.toAvro(o.event(), record.timestamp(), normalizer.source());
      SOURCE_PARTITION.get()[0] = m.partition();
      context.forward(new Record<>(o.event().eventId.getBytes(StandardCharsets.UTF_8), e, o.event().time * 1000,
          new RecordHeaders()));
      return;
    }
    if (o.skipped()) {
      skipped.increment();
      return;
    }
    deadLettered.increment();
    Headers h = new RecordHeaders(record.headers().toArray());
    Topics.deadLetterHeaders(h, o.reason(), App.INGEST.shortName(), m.topic(), m.partition(), m.offset());
    context.forward(new Record<>(record.key(), (Object) new DeadLetter(record.value()), record.timestamp(), h));
  }

  /** The original bytes of a record that could not be normalized. */
  record DeadLetter(byte[] value) {
  }
}
