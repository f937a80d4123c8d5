package io.ksiem.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /events} with dsiem's answers, on Kafka's {@code MockProducer}: no broker, so each answer and what it
 * wrote where can be checked exactly.
 */
class HttpIntakeTest {
  private static final String EVENT = "{\"event_id\":\"e1\",\"timestamp\":\"2026-01-05T10:00:00Z\",\"sensor\":\"s\","
      + "\"title\":\"t\",\"src_ip\":\"203.0.113.9\",\"dst_ip\":\"192.168.1.10\",\"src_port\":51000,\"dst_port\":22,"
      + "\"plugin_id\":4001,\"plugin_sid\":1}";
  private final Topics topics = new Topics("http-test.", new SchemaRegistryClient("http://127.0.0.1:1"));
  private final HttpClient client = HttpClient.newHttpClient();
  private MockProducer<String, NormalizedEvent> events;
  private MockProducer<byte[], byte[]> deadLetter;
  private HttpIntake intake;

  @BeforeEach
  void start() throws Exception {
    start(true);
  }

  private void start(boolean autoComplete) throws Exception {
    if (intake != null) {
      intake.close();
    }
    // the Avro serializer needs a registry; the mock only has to hold the records
    events = new MockProducer<>(autoComplete, null, new StringSerializer(), (topic, e) -> new byte[0]);
    deadLetter = new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
    intake = new HttpIntake("127.0.0.1", 0, events, deadLetter, topics, new SimpleMeterRegistry());
  }

  @AfterEach
  void stop() {
    intake.close();
  }

  private HttpResponse<String> post(byte[] body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + intake.port() + "/events"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String body) throws Exception {
    return post(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aValidEventIsAcceptedOnceKafkaHasIt() throws Exception {
    HttpResponse<String> r = post(EVENT);
    assertEquals(200, r.statusCode());
    assertEquals(1, events.history().size());
    ProducerRecord<String, NormalizedEvent> sent = events.history().get(0);
    assertEquals("http-test.events", sent.topic());
    assertEquals("e1", sent.key());
    // the record's time is the event's time, which the correlation clock follows
    assertEquals(Instant.parse("2026-01-05T10:00:00Z").toEpochMilli(), sent.timestamp());
    assertEquals("http", sent.value().getSource());
    assertEquals(4001, sent.value().getPluginId());
    assertEquals(0, deadLetter.history().size());
  }

  @Test
  void refusalsGetDsiemsStatusCodesAndWriteNothing() throws Exception {
    // not valid: no sensor (dsiem answers 418)
    HttpResponse<String> invalid = post(EVENT.replace("\"sensor\":\"s\",", ""));
    assertEquals(418, invalid.statusCode());
    assertTrue(invalid.body().startsWith("Not a valid event: "), invalid.body());
    // not parsable, or a string where dsiem's decoder wants a number (dsiem answers 500)
    assertEquals(500, post("{\"event_id\":").statusCode());
    assertEquals(500, post(EVENT.replace("\"plugin_id\":4001", "\"plugin_id\":\"4001\"")).statusCode());
    assertEquals(0, events.history().size());
    assertEquals(0, deadLetter.history().size());
  }

  @Test
  void anEventWithATimestampThatIsNotRfc3339IsAcceptedAsADeadLetter() throws Exception {
    String body = EVENT.replace("2026-01-05T10:00:00Z", "2026-01-05 10:00:00");
    assertEquals(200, post(body).statusCode());
    assertEquals(0, events.history().size());
    assertEquals(1, deadLetter.history().size());
    ProducerRecord<byte[], byte[]> dl = deadLetter.history().get(0);
    assertEquals("http-test.dead-letter", dl.topic());
    assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), dl.value());
    assertEquals("ingest", new String(dl.headers().lastHeader(Topics.HEADER_STAGE).value(), StandardCharsets.UTF_8));
    assertTrue(new String(dl.headers().lastHeader(Topics.HEADER_REASON).value(), StandardCharsets.UTF_8)
        .contains("RFC 3339"));
  }

  @Test
  void onlyPostAndBodiesUpToOneMebibyte() throws Exception {
    HttpResponse<String> get = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + intake.port() + "/events")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(405, get.statusCode());
    assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
    byte[] huge = new byte[(1 << 20) + 1];
    java.util.Arrays.fill(huge, (byte) ' ');
    assertEquals(413, post(huge).statusCode());
    assertEquals(0, events.history().size());
  }

  @Test
  void anEventKafkaDoesNotAcknowledgeIsAnswered503() throws Exception {
    start(false);
    Thread failer = new Thread(() -> {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (events.history().isEmpty() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      events.errorNext(new org.apache.kafka.common.errors.TimeoutException("no broker"));
    });
    failer.start();
    HttpResponse<String> r = post(EVENT);
    failer.join();
    assertEquals(503, r.statusCode());
    assertTrue(r.body().contains("no broker"), r.body());
  }

  @Test
  void healthFollowsWhatTheAppSays() throws Exception {
    AtomicBoolean up = new AtomicBoolean(true);
    intake.health(up::get);
    URI health = URI.create("http://127.0.0.1:" + intake.port() + "/health");
    assertEquals(200, client.send(HttpRequest.newBuilder(health).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    up.set(false);
    assertEquals(503, client.send(HttpRequest.newBuilder(health).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
  }
}
