package io.ksiem.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import co.elastic.clients.elasticsearch.indices.PutIndexTemplateRequest;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.alarm.AlarmJson;
import io.ksiem.runtime.AvroRecords;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.Schema;
import org.apache.http.HttpHost;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.elasticsearch.client.RestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alarms: writes alarm snapshots to {@code siem_alarms} (one document per alarm id, merged by {@link AlarmMerge}),
 * alarm-event links to {@code siem_alarm_events-YYYY.MM.DD} and, optionally, normalized events to
 * {@code siem_events-YYYY.MM.DD}. Offsets are committed only after Elasticsearch acknowledged a batch; while
 * Elasticsearch is unreachable the sink pauses, retries with backoff and loses nothing. A record Elasticsearch
 * refuses for good (a mapping conflict) goes to the dead-letter topic with the reason.
 */
public final class AlarmsSink implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AlarmsSink.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);
  public static final String ALARMS_INDEX = "siem_alarms";
  public static final String ALARM_EVENTS_PREFIX = "siem_alarm_events-";
  public static final String EVENTS_PREFIX = "siem_events-";

  /** What the sink needs to know. */
  public record Settings(String bootstrapServers, String groupId, String elasticsearchUrl, boolean writeEvents,
      int batchSize) {
  }

  private final Settings settings;
  private final Topics topics;
  private final RestClient rest;
  private final ElasticsearchClient es;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> deadLetter;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Counter written;
  private final Counter retried;
  private final Counter deadLettered;
  private volatile boolean waiting;

  public AlarmsSink(Settings settings, Topics topics, MeterRegistry meters) {
    this.settings = settings;
    this.topics = topics;
    this.rest = RestClient.builder(HttpHost.create(settings.elasticsearchUrl())).build();
    this.es = new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper(JSON)));
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // correlate writes in transactions: only what it committed counts
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.batchSize());
    this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.deadLetter = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        settings.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(),
        new ByteArraySerializer());
    this.written = Counter.builder("ksiem.alarms.written").description("documents acknowledged by Elasticsearch")
        .register(meters);
    this.retried = Counter.builder("ksiem.alarms.retries").description("batches retried").register(meters);
    this.deadLettered = Counter.builder("ksiem.alarms.dead-lettered").register(meters);
  }

  /** Installs the index templates (idempotent). */
  public void installTemplates() throws IOException {
    for (String name : List.of("siem_alarms", "siem_alarm_events", "siem_events")) {
      try (InputStream in = AlarmsSink.class.getResourceAsStream("/elasticsearch/" + name + ".json")) {
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
    } finally {
      consumer.close();
    }
  }

  private void installWithRetry() throws InterruptedException {
    long backoff = 250;
    while (running.get()) {
      try {
        installTemplates();
        return;
      } catch (IOException | RuntimeException e) {
        LOG.warn("Elasticsearch not ready for templates ({}); retrying in {} ms", e.getMessage(), backoff);
        Thread.sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  /** Writes the batch until Elasticsearch acknowledged every document, polling paused meanwhile. */
  private void writeWithRetry(ConsumerRecords<byte[], byte[]> batch) throws InterruptedException {
    List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
    batch.forEach(pending::add);
    long backoff = 200;
    boolean paused = false;
    while (true) {
      try {
        pending = write(pending);
      } catch (IOException | RuntimeException e) {
        if (!running.get()) {
          throw new InterruptedException("stopping with an unwritten batch; it is read again at the next start");
        }
        waiting = true;
        retried.increment();
        LOG.warn("Elasticsearch write failed ({}); {} records kept, retrying in {} ms", e.toString(),
            pending.size(), backoff);
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
      for (long slept = 0; slept < backoff && running.get(); slept += 100) {
        Thread.sleep(100);
      }
      backoff = Math.min(backoff * 2, 10_000);
    }
    waiting = false;
    if (paused) {
      consumer.resume(consumer.assignment());
    }
  }

  /** One attempt; returns the records still to write (version conflicts, retryable item failures). */
  private List<ConsumerRecord<byte[], byte[]>> write(List<ConsumerRecord<byte[], byte[]>> records)
      throws IOException {
    List<BulkOperation> ops = new ArrayList<>();
    List<ConsumerRecord<byte[], byte[]>> opRecords = new ArrayList<>();
    // alarms: the last snapshot in the batch per id that survives the merge
    Map<String, ObjectNode> alarms = new LinkedHashMap<>();
    Map<String, ConsumerRecord<byte[], byte[]>> alarmRecords = new HashMap<>();
    Map<String, List<ConsumerRecord<byte[], byte[]>>> alarmAll = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      try {
        if (r.topic().equals(topics.alarms.name())) {
          Alarm a = topics.alarms.valueSerde().deserializer().deserialize(r.topic(), r.value());
          ObjectNode doc = (ObjectNode) JSON.readTree(AlarmJson.toJson(AvroRecords.fromAvro(a)));
          doc.put("directive_id", a.getDirectiveId());
          // dsiem's alarm documents carry @timestamp, and its dashboards chart alarms over it
          doc.put("@timestamp", Instant.ofEpochSecond(a.getUpdateTime()).toString());
          ObjectNode before = alarms.get(a.getAlarmId());
          ObjectNode merged = AlarmMerge.merge(doc, before);
          alarms.put(a.getAlarmId(), merged == null ? before : merged);
          alarmRecords.put(a.getAlarmId(), r);
          alarmAll.computeIfAbsent(a.getAlarmId(), k -> new ArrayList<>()).add(r);
        } else if (r.topic().equals(topics.alarmEvents.name())) {
          AlarmEvent l = topics.alarmEvents.valueSerde().deserializer().deserialize(r.topic(), r.value());
          ObjectNode doc = JSON.createObjectNode();
          doc.put("alarm_id", l.getAlarmId()).put("stage", l.getStage()).put("event_id", l.getEventId());
          doc.put("@timestamp", Instant.ofEpochMilli(r.timestamp()).toString());
          // the record's position is its identity: a batch written twice writes the same documents
          String id = r.partition() + "-" + r.offset();
          String index = ALARM_EVENTS_PREFIX + DAY.format(Instant.ofEpochMilli(r.timestamp()));
          ops.add(BulkOperation.of(b -> b.index(i -> i.index(index).id(id).document(doc))));
          opRecords.add(r);
        } else {
          NormalizedEvent e;
          try {
            e = topics.events.valueSerde().deserializer().deserialize(r.topic(), r.value());
          } catch (SerializationException notAnEvent) {
            // correlate reads the same record and dead-letters it
            continue;
          }
          if (!AvroRecords.toEngine(e).ok()) {
            continue;
          }
          ObjectNode doc = eventDoc(e);
          String index = EVENTS_PREFIX + DAY.format(Instant.ofEpochMilli(r.timestamp()));
          ops.add(BulkOperation.of(b -> b.index(i -> i.index(index).id(e.getEventId()).document(doc))));
          opRecords.add(r);
        }
      } catch (SerializationException e) {
        deadLetter(r, "not a record of " + r.topic() + ": " + e.getMessage());
      }
    }
    if (!alarms.isEmpty()) {
      MgetResponse<ObjectNode> stored = es.mget(m -> m.index(ALARMS_INDEX).ids(new ArrayList<>(alarms.keySet())),
          ObjectNode.class);
      for (MultiGetResponseItem<ObjectNode> item : stored.docs()) {
        boolean noIndex = item.isFailure() && "index_not_found_exception".equals(item.failure().error().type());
        if (item.isFailure() && !noIndex) {
          throw new IOException("reading " + ALARMS_INDEX + " failed: " + item.failure().error().reason());
        }
        if (noIndex) {
          String id = item.failure().id();
          ObjectNode doc = alarms.get(id);
          ops.add(BulkOperation.of(b -> b.create(i -> i.index(ALARMS_INDEX).id(id).document(doc))));
          opRecords.add(alarmRecords.get(id));
          continue;
        }
        var got = item.result();
        ObjectNode doc = AlarmMerge.merge(alarms.get(got.id()), got.found() ? got.source() : null);
        if (doc == null) {
          continue;
        }
        if (got.found()) {
          long seq = got.seqNo();
          long term = got.primaryTerm();
          ops.add(BulkOperation.of(b -> b.index(i -> i.index(ALARMS_INDEX).id(got.id()).document(doc)
              .ifSeqNo(seq).ifPrimaryTerm(term))));
        } else {
          ops.add(BulkOperation.of(b -> b.create(i -> i.index(ALARMS_INDEX).id(got.id()).document(doc))));
        }
        opRecords.add(alarmRecords.get(got.id()));
      }
    }
    List<ConsumerRecord<byte[], byte[]>> again = new ArrayList<>();
    if (ops.isEmpty()) {
      return again;
    }
    BulkResponse resp = es.bulk(b -> b.operations(ops));
    List<BulkResponseItem> items = resp.items();
    for (int i = 0; i < items.size(); i++) {
      BulkResponseItem it = items.get(i);
      ConsumerRecord<byte[], byte[]> r = opRecords.get(i);
      if (it.error() == null) {
        written.increment();
        continue;
      }
      int status = it.status();
      if (status == 409 || status == 429 || status >= 500) {
        // a conflict means another writer got there first: merge again with what it wrote
        if (r.topic().equals(topics.alarms.name())) {
          again.addAll(alarmAll.get(it.id()));
        } else {
          again.add(r);
        }
      } else {
        deadLetter(r, "Elasticsearch refused the document (" + status + "): " + it.error().reason());
      }
    }
    return again;
  }

  private static ObjectNode eventDoc(NormalizedEvent e) {
    ObjectNode doc = JSON.createObjectNode();
    for (Schema.Field f : e.getSchema().getFields()) {
      Object v = e.get(f.pos());
      if (v instanceof Instant i) {
        doc.put(f.name(), i.toEpochMilli());
      } else if (v instanceof Integer n) {
        doc.put(f.name(), n);
      } else if (v instanceof Long n) {
        doc.put(f.name(), n);
      } else if (v != null && !v.toString().isEmpty()) {
        doc.put(f.name(), v.toString());
      }
    }
    // dsiem's event searches sort on @timestamp
    doc.put("@timestamp", e.getTimestamp().toString());
    return doc;
  }

  private void deadLetter(ConsumerRecord<byte[], byte[]> r, String reason) {
    LOG.error("dead letter from {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), reason);
    RecordHeaders h = new RecordHeaders(r.headers().toArray());
    Topics.deadLetterHeaders(h, reason, "alarms", r.topic(), r.partition(), r.offset());
    try {
      deadLetter.send(new ProducerRecord<>(topics.deadLetter.name(), null, r.timestamp(), r.key(), r.value(), h))
          .get();
      deadLettered.increment();
    } catch (Exception e) {
      throw new IllegalStateException("cannot write the dead-letter topic: " + e.getMessage(), e);
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
    deadLetter.close();
    rest.close();
  }

  static Set<String> indexPrefixes() {
    return Set.of(ALARMS_INDEX, ALARM_EVENTS_PREFIX, EVENTS_PREFIX);
  }
}
