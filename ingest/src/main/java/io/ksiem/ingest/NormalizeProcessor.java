package io.ksiem.ingest;

import io.ksiem.event.FieldLimits;
import io.ksiem.event.TimeBounds;
import io.ksiem.runtime.App;
import io.ksiem.runtime.EventRecords;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Normalizes one source's raw records. An event goes on keyed by its id with the event time as record timestamp; a
 * record that cannot be normalized, or whose time is out of {@link TimeBounds}, goes on unchanged (key, value,
 * headers) with the reason and its origin in headers, for the dead-letter topic; a record the source's mapping says
 * to skip, and a tombstone, is counted. While its raw partition has nothing unread, the task declares so on the
 * events partition it feeds, every {@link #DECLARE_EVERY}, so correlation's clock neither waits for it nor runs
 * past it (docs/time-model.md).
 */
final class NormalizeProcessor implements Processor<byte[], byte[], byte[], Object> {
  static final Duration DECLARE_EVERY = Duration.ofSeconds(1);

  private final Normalizer normalizer;
  private final String rawTopic;
  private final TimeBounds bounds;
  private final UpstreamPositions upstream;
  private final Counter normalized;
  private final Counter deadLettered;
  private final Counter invalid;
  private final Counter outOfTime;
  private final Counter tooLarge;
  private final Counter skipped;
  private final Counter tombstones;
  private ProcessorContext<byte[], Object> context;
  private TopicPartition input;
  /** This task's name as a feeder of its events partition: {@code <source>/<raw partition>}. */
  private byte[] feeder;
  private long next = -1;

  NormalizeProcessor(Normalizer normalizer, String rawTopic, TimeBounds bounds, UpstreamPositions upstream,
      MeterRegistry meters) {
    this.normalizer = normalizer;
    this.rawTopic = rawTopic;
    this.bounds = bounds;
    this.upstream = upstream;
    this.normalized = IngestTopology.counter(meters, normalizer.source(), "normalized");
    this.deadLettered = IngestTopology.counter(meters, normalizer.source(), "dead-lettered");
    this.invalid = IngestTopology.deadLetters(meters, "invalid");
    this.outOfTime = IngestTopology.deadLetters(meters, "time");
    this.tooLarge = IngestTopology.deadLetters(meters, "size");
    this.skipped = IngestTopology.counter(meters, normalizer.source(), "skipped");
    this.tombstones = IngestTopology.counter(meters, normalizer.source(), "tombstone");
  }

  /**
   * The raw partition of the record being forwarded, for the partitioner of the events sink, which runs next on the
   * same thread.
   */
  static final ThreadLocal<int[]> SOURCE_PARTITION = ThreadLocal.withInitial(() -> new int[1]);

  @Override
  public void init(ProcessorContext<byte[], Object> context) {
    this.context = context;
    // one raw topic per sub-topology, so the task's partition is its raw partition
    this.input = new TopicPartition(rawTopic, context.taskId().partition());
    this.feeder = (normalizer.source() + "/" + input.partition()).getBytes(StandardCharsets.UTF_8);
    // a revived task re-reads from its last commit: what it processed before no longer counts
    next = -1;
    context.schedule(DECLARE_EVERY, PunctuationType.WALL_CLOCK_TIME, this::declareIfIdle);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata m = context.recordMetadata().orElseThrow();
    next = m.offset() + 1;
    if (record.value() == null) {
      tombstones.increment();
      return;
    }
    String origin = m.topic() + "/" + m.partition() + "/" + m.offset();
    Outcome o = normalizer.normalize(record.value(), origin);
    Counter reasonClass = invalid;
    if (o.ok()) {
      String refusal = bounds.refusal(o.event().time, context.currentSystemTimeMs());
      reasonClass = outOfTime;
      if (refusal == null) {
        refusal = FieldLimits.refusal(o.event());
        reasonClass = tooLarge;
      }
      if (refusal != null) {
        o = Outcome.failed(refusal);
      }
    }
    if (o.ok()) {
      normalized.increment();
      NormalizedEvent e = EventRecords.toAvro(o.event(), record.timestamp(), normalizer.source());
      SOURCE_PARTITION.get()[0] = m.partition();
      RecordHeaders h = new RecordHeaders();
      h.add(Topics.HEADER_FEEDER, feeder);
      // the count too, so a router that has just started knows whom to wait for while nobody declares
      byte[] count = feederCount(upstream.feedersWith(m.partition()));
      if (count != null) {
        h.add(Topics.HEADER_FEEDERS, count);
      }
      context.forward(new Record<>(o.event().eventId.getBytes(StandardCharsets.UTF_8), e, o.event().time * 1000, h));
      return;
    }
    if (o.skipped()) {
      skipped.increment();
      return;
    }
    deadLettered.increment();
    reasonClass.increment();
    Headers h = new RecordHeaders(record.headers().toArray());
    Topics.deadLetterHeaders(h, o.reason(), App.INGEST.shortName(), m.topic(), m.partition(), m.offset());
    context.forward(new Record<>(record.key(), (Object) new DeadLetter(record.value()), record.timestamp(), h));
  }

  /**
   * The declaration follows in the events partition whatever this task wrote there before, so a reader that sees it
   * has every event this raw partition has given so far.
   */
  private void declareIfIdle(long now) {
    int feeders = upstream.feedersWith(input.partition());
    if (feeders == 0 || !upstream.caughtUp(input, next)) {
      return;
    }
    RecordHeaders h = new RecordHeaders();
    h.add(Topics.HEADER_FEEDERS, feederCount(feeders));
    SOURCE_PARTITION.get()[0] = input.partition();
    byte[] key = (Topics.IDLE_KEY_PREFIX + new String(feeder, StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8);
    context.forward(new Record<>(key, (Object) IDLE, now, h));
  }

  private int countShown = -1;
  private byte[] countBytes;

  /**
   * The {@link Topics#HEADER_FEEDERS} value for {@code feeders}, null for 0 (unknown). It goes on every event and
   * rarely changes, so its bytes are made once per change, not per event.
   */
  private byte[] feederCount(int feeders) {
    if (feeders <= 0) {
      return null;
    }
    if (feeders != countShown) {
      countShown = feeders;
      countBytes = Integer.toString(feeders).getBytes(StandardCharsets.UTF_8);
    }
    return countBytes;
  }

  /** The original bytes of a record that could not be normalized. */
  record DeadLetter(byte[] value) {
  }

  /** What the events branch writes as a null value: an idleness declaration. */
  static final Object IDLE = new Object();
}
