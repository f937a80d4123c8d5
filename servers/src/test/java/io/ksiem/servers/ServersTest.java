package io.ksiem.servers;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** The launchers start real servers that answer, and a Kafka broker restarted on its directory keeps its data. */
class ServersTest {
  @Test
  void kafkaKeepsRecordsAcrossARestart() throws Exception {
    Path dir = Files.createTempDirectory("ksiem-kafka");
    int port = KafkaCluster.freePort();
    int cport = KafkaCluster.freePort();
    try (KafkaCluster k = KafkaCluster.start(dir, new int[] {port}, new int[] {cport})) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", k.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
      }
      Properties p = new Properties();
      p.put("bootstrap.servers", k.bootstrapServers());
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
          new StringSerializer())) {
        producer.send(new ProducerRecord<>("t", "k", "v")).get();
      }
    }
    try (KafkaCluster k = KafkaCluster.start(dir, new int[] {port}, new int[] {cport})) {
      Properties p = new Properties();
      p.put("bootstrap.servers", k.bootstrapServers());
      p.put("group.id", "g");
      p.put("auto.offset.reset", "earliest");
      try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(),
          new StringDeserializer())) {
        c.subscribe(List.of("t"));
        ConsumerRecords<String, String> got = ConsumerRecords.empty();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (got.isEmpty() && System.nanoTime() < deadline) {
          got = c.poll(Duration.ofMillis(500));
        }
        assertEquals("v", got.iterator().next().value());
      }
    }
  }

  @Test
  void registryAndElasticsearchAnswer() throws Exception {
    Path servers = Path.of(System.getProperty("ksiem.servers.dir", "target/servers"));
    Files.createDirectories(servers);
    HttpClient http = HttpClient.newHttpClient();
    try (ApicurioRegistry r = ApicurioRegistry.start(servers, KafkaCluster.freePort(),
        MavenArtifacts.Progress.NONE)) {
      assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(r.url() + "/subjects")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode());
    }
    Path data = Files.createTempDirectory("ksiem-es");
    Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    try (Elasticsearch es = Elasticsearch.start(servers, data, KafkaCluster.freePort(),
        MavenArtifacts.Progress.NONE)) {
      String health = http.send(HttpRequest.newBuilder(URI.create(es.url() + "/_cluster/health")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(health.contains("\"cluster_name\":\"ksiem\""), health);
    }
  }
}
