package io.ksiem.runtime;

import io.ksiem.schemas.topic.Topics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' three exception handlers, set in every app ({@link StreamsApps#properties}): a record that cannot
 * be read, that throws in a processor, or whose output the broker refuses as a record (too large, invalid) goes to
 * the dead-letter topic unchanged, with the exception as its reason and ksiem's headers, and the app goes on. What
 * is not about one record (a broken store, an unreachable or refusing broker) fails the thread, and the app stops
 * with that one message instead of retrying the same record forever.
 */
public final class DeadLetterHandlers {
  /** The app's stage name in the dead-letter headers, passed through the Streams settings. */
  public static final String STAGE_CONFIG = "ksiem.dead.letter.stage";
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandlers.class);
  /** Less than Kafka's default record limit (1 MiB) by room for the headers. */
  static final int MAX_VALUE = 900_000;
  private static final Map<String, AtomicLong> COUNTS = new ConcurrentHashMap<>();
  private static final RateLimitedLog WARN = new RateLimitedLog(LOG, 10, java.time.Duration.ofMinutes(1));

  private DeadLetterHandlers() {
  }

  /** Records dead-lettered by these handlers in this JVM, by {@code stage/kind} (kind: read, processing, output). */
  public static Map<String, Long> counts() {
    Map<String, Long> out = new java.util.TreeMap<>();
    COUNTS.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  private abstract static class Base implements org.apache.kafka.common.Configurable {
    String topic;
    String stage = "streams";

    @Override
    public void configure(Map<String, ?> configs) {
      Object t = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
      topic = t == null ? null : t.toString();
      Object s = configs.get(STAGE_CONFIG);
      if (s != null) {
        stage = s.toString();
      }
    }

    /** Says once why the app stops; {@code fail} is the handler's answer. */
    <R> R stopping(Throwable e, R fail) {
      LOG.error("{}: stopping: {}", stage, describe(e));
      return fail;
    }

    /** The source record of {@code c} as a dead letter with {@code e} as the reason; none when no topic is set. */
    List<ProducerRecord<byte[], byte[]>> deadLetter(ErrorHandlerContext c, String kind, Exception e) {
      COUNTS.computeIfAbsent(stage + "/" + kind, k -> new AtomicLong()).incrementAndGet();
      String reason = kind + ": " + describe(e);
      try (var mdc = LogContext.task(c.taskId())) {
        WARN.warn("{}: a record of {}/{} at offset {} went to the dead-letter topic: {}", stage, c.topic(),
            c.partition(), c.offset(), reason);
      }
      if (topic == null) {
        return List.of();
      }
      RecordHeaders h = new RecordHeaders(c.headers() == null ? new RecordHeaders().toArray() : c.headers().toArray());
      Topics.deadLetterHeaders(h, reason, stage, c.topic() == null ? "(punctuation)" : c.topic(), c.partition(),
          c.offset());
      byte[] value = c.sourceRawValue();
      if (value != null && value.length > MAX_VALUE) {
        // a record as large as the broker takes no longer fits with the reason beside it; a dead letter that
        // cannot be written would stop the app
        h.add(Topics.HEADER_TRUNCATED,
            Integer.toString(value.length).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        value = java.util.Arrays.copyOf(value, MAX_VALUE);
      }
      return List.of(new ProducerRecord<>(topic, null, null, c.sourceRawKey(), value, h));
    }
  }

  /**
   * A server that did not answer, somewhere in the cause chain, rather than a bad record: the Avro serde wraps a
   * registry it could not ask in an {@link java.io.UncheckedIOException}, and a record it cannot read in a
   * {@code MalformedRecordException}.
   */
  static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof io.ksiem.schemas.registry.WireFormat.MalformedRecordException) {
        return false;
      }
      if (t instanceof java.io.UncheckedIOException || t instanceof java.net.ConnectException
          || t instanceof java.net.http.HttpTimeoutException || t instanceof java.net.SocketException) {
        return true;
      }
    }
    return false;
  }

  public static String describe(Throwable e) {
    StringBuilder b = new StringBuilder(e.getClass().getSimpleName());
    if (e.getMessage() != null) {
      b.append(": ").append(e.getMessage(), 0, Math.min(500, e.getMessage().length()));
    }
    if (e.getCause() != null && e.getCause() != e) {
      b.append(" (caused by ").append(describe(e.getCause())).append(')');
    }
    return b.toString();
  }

  /** A record whose key or value cannot be deserialized. */
  public static final class Read extends Base implements DeserializationExceptionHandler {

    @Override
    public Response handleError(ErrorHandlerContext c, ConsumerRecord<byte[], byte[]> record, Exception e) {
      // the schema registry did not answer: the record is fine, and must be read again, not dead-lettered
      return unreachable(e) ? stopping(e, Response.fail()) : Response.resume(deadLetter(c, "read", e));
    }
  }

  /** A processor or punctuation that throws. */
  public static final class Processing extends Base implements ProcessingExceptionHandler {
    @Override
    public Response handleError(ErrorHandlerContext c, Record<?, ?> record, Exception e) {
      if (e instanceof StreamsException) {
        // a store or the task itself failed: going on would lose state
        return stopping(e, Response.fail());
      }
      return Response.resume(deadLetter(c, "processing", e));
    }
  }

  /** An output record the broker refuses as such; anything else about producing stops the app. */
  public static final class Output extends Base implements ProductionExceptionHandler {

    @Override
    public Response handleError(ErrorHandlerContext c, ProducerRecord<byte[], byte[]> record, Exception e) {
      if (e instanceof RecordTooLargeException || e instanceof InvalidRecordException
          || e instanceof org.apache.kafka.common.errors.InvalidTimestampException) {
        return Response.resume(deadLetter(c, "output", e));
      }
      LOG.error("{}: stopping: cannot write to {}: {}", stage, record.topic(), describe(e));
      return Response.fail();
    }

    @Override
    public Response handleSerializationError(ErrorHandlerContext c, ProducerRecord record, Exception e,
        SerializationExceptionOrigin origin) {
      return unreachable(e) ? stopping(e, Response.fail()) : Response.resume(deadLetter(c, "output", e));
    }
  }
}
