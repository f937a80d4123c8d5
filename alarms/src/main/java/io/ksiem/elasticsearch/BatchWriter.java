package io.ksiem.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.runtime.EventRecords;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * One attempt at writing a batch of records in one bulk request: each record becomes its document
 * ({@link Documents}); of several snapshots of one alarm only the one that wins the merge is written, against what
 * is stored ({@link StoredAlarms}). Returns the records to try again; those refused for good, and those that
 * cannot become a document, are dead letters; tombstones are counted and skipped.
 */
final class BatchWriter {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BatchWriter.class);
  private final Topics topics;
  private final ElasticsearchClient es;
  private final StoredAlarms stored;
  private final DeadLetters deadLetters;
  private final Counter written;
  private final Counter tombstones;
  private final io.micrometer.core.instrument.Timer bulk;

  BatchWriter(Topics topics, ElasticsearchClient es, DeadLetters deadLetters, MeterRegistry meters) {
    this.topics = topics;
    this.es = es;
    this.stored = new StoredAlarms(es);
    this.deadLetters = deadLetters;
    this.written = Counter.builder("ksiem.alarms.written").description("documents acknowledged by Elasticsearch")
        .register(meters);
    this.tombstones = Counter.builder("ksiem.tombstones").description("tombstones skipped on an input")
        .tag("stage", "alarms").register(meters);
    this.bulk = io.micrometer.core.instrument.Timer.builder("ksiem.alarms.bulk")
        .description("bulk requests to Elasticsearch, answered or failed").register(meters);
  }

  /** One attempt; returns the records still to write (version conflicts, retryable item failures). */
  List<ConsumerRecord<byte[], byte[]>> write(List<ConsumerRecord<byte[], byte[]>> records) throws IOException {
    List<BulkOperation> ops = new ArrayList<>();
    List<ConsumerRecord<byte[], byte[]>> opRecords = new ArrayList<>();
    // alarms: the last snapshot in the batch per id that survives the merge
    Map<String, ObjectNode> alarms = new LinkedHashMap<>();
    Map<String, ConsumerRecord<byte[], byte[]>> alarmRecords = new HashMap<>();
    Map<String, List<ConsumerRecord<byte[], byte[]>>> alarmAll = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      if (r.value() == null) {
        // ingest's idleness declarations on the events topic are no events; any other null is a tombstone, which
        // no topic of the sink uses
        String key = r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
        if (!Topics.isIdleDeclaration(key)) {
          tombstones.increment();
        }
        continue;
      }
      try {
        if (r.topic().equals(topics.alarms.name())) {
          Alarm a = topics.alarms.valueSerde().deserializer().deserialize(r.topic(), r.value());
          ObjectNode before = alarms.get(a.getAlarmId());
          ObjectNode merged = AlarmMerge.merge(Documents.alarm(a), before);
          alarms.put(a.getAlarmId(), merged == null ? before : merged);
          alarmRecords.put(a.getAlarmId(), r);
          alarmAll.computeIfAbsent(a.getAlarmId(), k -> new ArrayList<>()).add(r);
        } else if (r.topic().equals(topics.alarmEvents.name())) {
          AlarmEvent l = topics.alarmEvents.valueSerde().deserializer().deserialize(r.topic(), r.value());
          ObjectNode doc = Documents.link(l, r.timestamp());
          // the record's position is its identity: a batch written twice writes the same documents
          String id = r.partition() + "-" + r.offset();
          String index = Documents.daily(Documents.ALARM_EVENTS_PREFIX, r.timestamp());
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
          if (!EventRecords.toEngine(e).ok()) {
            continue;
          }
          ObjectNode doc = Documents.event(e);
          String index = Documents.daily(Documents.EVENTS_PREFIX, r.timestamp());
          ops.add(BulkOperation.of(b -> b.index(i -> i.index(index).id(e.getEventId()).document(doc))));
          opRecords.add(r);
        }
      } catch (SerializationException e) {
        deadLetters.send(r, "not a record of " + r.topic() + ": " + e.getMessage(), "invalid");
      } catch (java.io.UncheckedIOException registryDown) {
        // the schema registry did not answer: the batch is tried again, nothing is dead-lettered
        throw registryDown;
      } catch (RuntimeException e) {
        // one record that cannot become a document must not hold back the ones after it
        deadLetters.send(r, "cannot make a document of it: " + e, "document");
      }
    }
    stored.writes(alarms).forEach((id, op) -> {
      ops.add(op);
      opRecords.add(alarmRecords.get(id));
    });
    List<ConsumerRecord<byte[], byte[]>> again = new ArrayList<>();
    if (ops.isEmpty()) {
      return again;
    }
    io.micrometer.core.instrument.Timer.Sample sample = io.micrometer.core.instrument.Timer.start();
    BulkResponse resp;
    try {
      resp = es.bulk(b -> b.operations(ops));
    } finally {
      sample.stop(bulk);
    }
    List<BulkResponseItem> items = resp.items();
    int denied = 0;
    String deniedReason = null;
    for (int i = 0; i < items.size(); i++) {
      BulkResponseItem it = items.get(i);
      ConsumerRecord<byte[], byte[]> r = opRecords.get(i);
      switch (BulkOutcome.of(it.status(), it.error() != null)) {
        case WRITTEN -> written.increment();
        case RETRY -> {
          if ((it.status() == 401 || it.status() == 403) && denied++ == 0) {
            deniedReason = it.status() + ": " + it.error().reason();
          }
          if (r.topic().equals(topics.alarms.name())) {
            again.addAll(alarmAll.get(it.id()));
          } else {
            again.add(r);
          }
        }
        case REFUSED -> deadLetters.send(r, "Elasticsearch refused the document (" + it.status() + "): "
            + it.error().reason(), "refused");
      }
    }
    if (denied > 0) {
      // once per attempt, spaced out by the sink's backoff; the reason names the user and the missing privilege,
      // never a credential
      LOG.warn("Elasticsearch refused {} documents to the sink's user ({}); kept and retried until its role "
          + "allows them (docs/security.md)", denied, deniedReason);
    }
    return again;
  }
}
