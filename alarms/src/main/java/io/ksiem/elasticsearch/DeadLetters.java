package io.ksiem.elasticsearch;

import io.ksiem.runtime.App;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the sink cannot write for good (not readable, or refused by Elasticsearch) go to the dead-letter topic,
 * with their original bytes and headers and the reason, before their offset is committed.
 */
final class DeadLetters implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

  private final Topics topics;
  private final KafkaProducer<byte[], byte[]> producer;
  private final MeterRegistry meters;
  private final Map<String, Counter> counts = new java.util.concurrent.ConcurrentHashMap<>();

  DeadLetters(io.ksiem.runtime.KafkaClients kafka, Topics topics, MeterRegistry meters) {
    this.topics = topics;
    this.producer = new KafkaProducer<>(kafka.config(Map.of(ProducerConfig.ACKS_CONFIG, "all")),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.meters = meters;
  }

  /** Its producer's metrics. */
  void bindTo(io.ksiem.runtime.AppMetrics metrics) {
    metrics.bind(producer);
  }

  /**
   * Writes {@code r} to the dead-letter topic and waits for the broker; throws when it cannot. {@code reasonClass}:
   * {@code invalid} (no record ksiem wrote), {@code document} (no document can be made of it), {@code refused} (by
   * Elasticsearch).
   */
  void send(ConsumerRecord<byte[], byte[]> r, String reason, String reasonClass) {
    LOG.error("dead letter from {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), reason);
    RecordHeaders h = new RecordHeaders(r.headers().toArray());
    Topics.deadLetterHeaders(h, reason, App.ALARMS.shortName(), r.topic(), r.partition(), r.offset());
    try {
      producer.send(new ProducerRecord<>(topics.deadLetter.name(), null, r.timestamp(), r.key(), r.value(), h))
          .get();
      counts.computeIfAbsent(reasonClass, c -> io.ksiem.runtime.AppMetrics.deadLetters(meters, "alarms", c))
          .increment();
    } catch (Exception e) {
      throw new IllegalStateException("cannot write the dead-letter topic: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
