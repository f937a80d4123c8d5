package io.ksiem.schemas.topic;

import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.servers.SharedServers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** The topics as created on a real broker. */
class TopicsTest {
  /**
   * A record written with last year's time (as ingest writes a replayed event) carries the time the broker took it,
   * so retention counts from then and the replay is not deleted before it is read.
   */
  @Test
  void retentionCountsFromAppendNotFromEventTime() throws Exception {
    String bootstrap = SharedServers.kafka().bootstrapServers();
    Topics topics = new Topics("tt.", new SchemaRegistryClient(SharedServers.registryUrl()));
    List<Topic<?, ?>> deleting = new ArrayList<>(topics.all().stream()
        .filter(t -> "delete".equals(t.config().get("cleanup.policy"))).toList());
    deleting.add(topics.raw("x"));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Topics.create(admin, deleting, 1, (short) 1);
    }
    long yearAgo = Instant.now().minus(Duration.ofDays(365)).toEpochMilli();
    long before = System.currentTimeMillis();
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (Topic<?, ?> t : deleting) {
        p.send(new ProducerRecord<>(t.name(), null, yearAgo, null, new byte[] {1})).get();
      }
    }
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      for (Topic<?, ?> t : deleting) {
        TopicPartition tp = new TopicPartition(t.name(), 0);
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 10_000;
        while (got.isEmpty() && System.currentTimeMillis() < deadline) {
          c.poll(Duration.ofMillis(200)).forEach(got::add);
        }
        assertEquals(1, got.size(), t.name());
        assertTrue(got.get(0).timestamp() >= before, t.name() + " keeps the producer's time: "
            + Instant.ofEpochMilli(got.get(0).timestamp()));
      }
    }
  }

  /** A topic made by other tooling with the broker's defaults is named, with the setting to fix; ours are not. */
  @Test
  void topicsMadeWithoutKsiemsSettingsAreReported() throws Exception {
    String bootstrap = SharedServers.kafka().bootstrapServers();
    Topics topics = new Topics("tm.", new SchemaRegistryClient(SharedServers.registryUrl()));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topics.events.name(), 1, (short) 1),
          new NewTopic(topics.directives.name(), 1, (short) 1))).all().get();
      Topics.create(admin, topics.all(), 1, (short) 1);
      List<String> found = Topics.configMismatches(admin, topics.all());
      assertEquals(2, found.size(), String.join("\n", found));
      assertTrue(found.get(0).startsWith("topic tm.events has message.timestamp.type=CreateTime, ksiem needs "
          + "LogAppendTime: records carry their event's time"), found.get(0));
      assertTrue(found.get(1).startsWith("topic tm.directives has cleanup.policy=delete, ksiem needs compact"),
          found.get(1));
    }
  }
}
