package io.ksiem.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.indices.PutIndexTemplateRequest;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.elasticsearch.client.RestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alarms app's loop: reads the alarms and alarm-events topics (and, optionally, the events topic) and has each
 * batch written to Elasticsearch ({@link BatchWriter}): alarm snapshots to {@code siem_alarms} (one document per
 * alarm id), links to {@code siem_alarm_events-YYYY.MM.DD}, events to {@code siem_events-YYYY.MM.DD}. Offsets are
 * committed only after Elasticsearch acknowledged a batch; while Elasticsearch is unreachable the loop pauses,
 * retries with backoff and loses nothing.
 */
public final class ElasticsearchSink implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchSink.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the sink needs to know; its {@code toString()} holds no credential (both parts redact theirs). */
  public record Settings(io.ksiem.runtime.KafkaClients kafka, String groupId, ElasticsearchConnection elasticsearch,
      boolean writeEvents, int batchSize) {
  }

  private final Settings settings;
  private final Topics topics;
  private final RestClient rest;
  private final ElasticsearchClient es;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final DeadLetters deadLetters;
  private final BatchWriter writer;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Counter retried;
  private volatile boolean waiting;

  /** The sink's Kafka consumer and dead-letter producer, for their metrics. */
  public void bindTo(io.ksiem.runtime.AppMetrics metrics) {
    metrics.bind(consumer);
    deadLetters.bindTo(metrics);
  }

  public ElasticsearchSink(Settings settings, Topics topics, MeterRegistry meters) {
    this.settings = settings;
    this.topics = topics;
    if (settings.elasticsearch().sendsCredentialsInClear()) {
      LOG.warn("the Elasticsearch URLs are http: credentials and alarms cross the network unencrypted");
    }
    this.rest = settings.elasticsearch().restClient();
    this.es = new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper(JSON)));
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // correlate writes in transactions: only what it committed counts
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.batchSize());
    this.consumer = new KafkaConsumer<>(settings.kafka().config(c), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    this.deadLetters = new DeadLetters(settings.kafka(), topics, meters);
    this.writer = new BatchWriter(topics, es, deadLetters, meters);
    this.retried = Counter.builder("ksiem.alarms.retries").description("batches retried").register(meters);
  }

  /** Installs the index templates (idempotent). */
  public void installTemplates() throws IOException {
    installTemplates(es);
  }

  /** The templates of the three indices, through {@code es}: the sink's only cluster-level request. */
  static void installTemplates(ElasticsearchClient es) throws IOException {
    for (String name : List.of("siem_alarms", "siem_alarm_events", "siem_events")) {
      try (InputStream in = ElasticsearchSink.class.getResourceAsStream("/elasticsearch/" + name + ".json")) {
        String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        es.indices().putIndexTemplate(PutIndexTemplateRequest.of(b -> b.name("ksiem-" + name)
            .withJson(new StringReader(body))));
      }
    }
  }

  /** True while Elasticsearch is not answering and the sink waits to retry. */
  public boolean waitingForElasticsearch() {
    return waiting;
  }

  /**
   * Whether Elasticsearch answered the sink's latest request: the templates, a bulk write, or, while there is
   * nothing to write, a check every {@link #CHECK_MS} of the alarm template (a request the sink's least role may
   * make, docs/security.md).
   */
  public boolean elasticsearchAnswers() {
    return answers;
  }

  static final long CHECK_MS = 5000;
  private volatile boolean answers;
  private long checkedAt;

  private void checkWhileIdle() {
    long now = System.currentTimeMillis();
    if (now - checkedAt < CHECK_MS) {
      return;
    }
    checkedAt = now;
    try {
      int status = rest.performRequest(new org.elasticsearch.client.Request("HEAD", "/_index_template/ksiem-siem_alarms"))
          .getStatusLine().getStatusCode();
      answers = status < 500;
    } catch (org.elasticsearch.client.ResponseException e) {
      answers = e.getResponse().getStatusLine().getStatusCode() < 500;
    } catch (IOException | RuntimeException e) {
      answers = false;
    }
  }

  @Override
  public void run() {
    List<String> subscribed = new ArrayList<>(List.of(topics.alarms.name(), topics.alarmEvents.name()));
    if (settings.writeEvents()) {
      subscribed.add(topics.events.name());
    }
    try {
      installWithRetry();
      consumer.subscribe(subscribed);
      boolean behindMarkers = true;
      while (running.get()) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
        if (batch.isEmpty()) {
          checkWhileIdle();
          if (behindMarkers && !consumer.assignment().isEmpty()) {
            // every record delivered so far is written and committed; the positions are past the transaction
            // markers that follow them, so committing them shows no lag that is not there
            Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
            for (TopicPartition tp : consumer.assignment()) {
              positions.put(tp, new OffsetAndMetadata(consumer.position(tp)));
            }
            consumer.commitSync(positions);
            behindMarkers = false;
          }
          continue;
        }
        behindMarkers = true;
        writeWithRetry(batch);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : batch.partitions()) {
          List<ConsumerRecord<byte[], byte[]>> rs = batch.records(tp);
          offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
        }
        consumer.commitSync(offsets);
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // not about one record (those are dead letters): the broker refuses us, say. Stop, and say why once.
      LOG.error("the alarms sink stopped: {}", e.toString());
      throw e;
    } finally {
      consumer.close();
    }
  }

  private void installWithRetry() throws InterruptedException {
    Backoff backoff = new Backoff(250, running::get);
    while (running.get()) {
      try {
        installTemplates();
        answers = true;
        return;
      } catch (IOException | RuntimeException e) {
        answers = false;
        LOG.warn("Elasticsearch not ready for templates ({}); retrying in {} ms", e.getMessage(), backoff.next());
        backoff.await();
      }
    }
  }

  /** Writes the batch until Elasticsearch acknowledged every document, polling paused meanwhile. */
  private void writeWithRetry(ConsumerRecords<byte[], byte[]> batch) throws InterruptedException {
    List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
    batch.forEach(pending::add);
    Backoff backoff = new Backoff(200, running::get);
    boolean paused = false;
    while (true) {
      try {
        pending = writer.write(pending);
        answers = true;
        checkedAt = System.currentTimeMillis();
      } catch (IOException | RuntimeException e) {
        if (!running.get()) {
          throw new InterruptedException("stopping with an unwritten batch; it is read again at the next start");
        }
        waiting = true;
        answers = false;
        retried.increment();
        LOG.warn("Elasticsearch write failed ({}); {} records kept, retrying in {} ms", e.toString(),
            pending.size(), backoff.next());
      }
      if (pending.isEmpty()) {
        break;
      }
      if (!paused) {
        consumer.pause(consumer.assignment());
        paused = true;
      }
      // polling while paused keeps the group membership and returns nothing
      consumer.poll(Duration.ZERO);
      backoff.await();
    }
    waiting = false;
    if (paused) {
      consumer.resume(consumer.assignment());
    }
  }

  /** Stops the loop; an unwritten batch is not committed and is read again at the next start. */
  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
  }

  /** Closes the Elasticsearch client and the dead-letter producer, after {@link #run} returned. */
  public void release() throws IOException {
    deadLetters.close();
    rest.close();
  }
}
