package io.ksiem.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.event.TimeBounds;
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
  private MockProducer<byte[], byte[]> raw;
  private HttpIntake intake;

  private final io.ksiem.runtime.AppMetrics metrics = new io.ksiem.runtime.AppMetrics();

  @BeforeEach
  void start() throws Exception {
    start(true);
  }

  private void start(boolean autoComplete) throws Exception {
    if (intake != null) {
      intake.close();
    }
    raw = new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
    intake = new HttpIntake("127.0.0.1", 0, raw, topics, TimeBounds.defaults(), metrics.registry());
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
  void aValidEventGoesUnchangedToTheDsiemRawTopicOnceKafkaHasIt() throws Exception {
    long before = System.currentTimeMillis();
    HttpResponse<String> r = post(EVENT);
    assertEquals(200, r.statusCode());
    assertEquals(1, raw.history().size());
    ProducerRecord<byte[], byte[]> sent = raw.history().get(0);
    assertEquals("http-test.raw.dsiem", sent.topic());
    assertArrayEquals(EVENT.getBytes(StandardCharsets.UTF_8), sent.value());
    // the record's time is when it was received, which ingest gives the event as received_at
    assertTrue(sent.timestamp() >= before && sent.timestamp() <= System.currentTimeMillis());
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
    assertEquals(0, raw.history().size());
  }

  @Test
  void eventsBefore1970OrFarAheadAreRefused422() throws Exception {
    for (String t : new String[] {"1969-12-31T23:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "2099-01-01T00:00:00Z", Instant.now().plusSeconds(3600).toString().replaceAll("\\.\\d+", "")}) {
      HttpResponse<String> r = post(EVENT.replace("2026-01-05T10:00:00Z", t));
      assertEquals(422, r.statusCode(), t + ": " + r.body());
      assertTrue(r.body().contains(t.startsWith("19") || t.startsWith("00") ? "before 1970" : "max.future"),
          r.body());
    }
    HttpResponse<String> longTitle = post(EVENT.replace("\"title\":\"t\"", "\"title\":\"" + "t".repeat(5000) + "\""));
    assertEquals(422, longTitle.statusCode());
    assertTrue(longTitle.body().contains("title has 5000 characters"), longTitle.body());
    assertEquals(0, raw.history().size());
    // within the margin is an event
    assertEquals(200, post(EVENT.replace("2026-01-05T10:00:00Z",
        Instant.now().plusSeconds(60).toString().replaceAll("\\.\\d+", ""))).statusCode());
  }

  @Test
  void anEventWithATimestampThatIsNotRfc3339IsAcceptedForIngestToDeadLetter() throws Exception {
    String body = EVENT.replace("2026-01-05T10:00:00Z", "2026-01-05 10:00:00");
    assertEquals(200, post(body).statusCode());
    assertEquals(1, raw.history().size());
    assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), raw.history().get(0).value());
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
    assertEquals(0, raw.history().size());
  }

  /**
   * A body declared too large is read and dropped before its 413 (up to DRAIN_LIMIT): closed unread, the socket is
   * reset, and the client, still sending, often got no status at all (one post in 15 on a loaded machine). Each
   * post here is on a new connection, as a shipper's first post after an error is.
   */
  @Test
  void aBodyAFewTimesTooLargeIsAnswered413EveryTime() throws Exception {
    byte[] justOver = new byte[(1 << 20) + 1];
    byte[] fourTimes = new byte[(int) HttpIntake.DRAIN_LIMIT];
    java.util.Arrays.fill(justOver, (byte) ' ');
    java.util.Arrays.fill(fourTimes, (byte) ' ');
    for (int i = 0; i < 60; i++) {
      HttpClient fresh = HttpClient.newHttpClient();
      HttpResponse<String> r = fresh.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + intake.port()
          + "/events")).POST(HttpRequest.BodyPublishers.ofByteArray(i % 2 == 0 ? justOver : fourTimes)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(413, r.statusCode(), "post " + i);
      assertTrue(r.body().contains("larger than"), r.body());
    }
    assertEquals(0, raw.history().size());
  }

  @Test
  void anEventKafkaDoesNotAcknowledgeIsAnswered503() throws Exception {
    start(false);
    Thread failer = new Thread(() -> {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (raw.history().isEmpty() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      raw.errorNext(new org.apache.kafka.common.errors.TimeoutException("no broker for secret-topic"));
    });
    failer.start();
    HttpResponse<String> r = post(EVENT);
    failer.join();
    assertEquals(503, r.statusCode());
    // the exception's class, never its message: Kafka's can name topics and principals
    assertEquals("Kafka did not acknowledge the event (TimeoutException)", r.body());
  }

  @Test
  void whatKafkaRefusesForGoodIsNot503() throws Exception {
    start(false);
    Object[][] cases = {
        {new org.apache.kafka.common.errors.RecordTooLargeException("secret-topic: 1048600 bytes"), 413},
        {new org.apache.kafka.common.errors.TopicAuthorizationException(java.util.Set.of("secret-topic")), 500},
        {new org.apache.kafka.common.errors.SerializationException("secret-topic"), 500},
        {new org.apache.kafka.common.errors.NotEnoughReplicasException("secret-topic"), 503}};
    for (Object[] c : cases) {
      RuntimeException e = (RuntimeException) c[0];
      int sent = raw.history().size();
      java.util.concurrent.CompletableFuture<HttpResponse<String>> r = client.sendAsync(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + intake.port() + "/events")).POST(HttpRequest.BodyPublishers
          .ofString(EVENT)).build(), HttpResponse.BodyHandlers.ofString());
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (raw.history().size() == sent && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertTrue(raw.errorNext(e));
      HttpResponse<String> answer = r.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(c[1], answer.statusCode(), e.getClass().getSimpleName());
      assertTrue(answer.body().endsWith("(" + e.getClass().getSimpleName() + ")"), answer.body());
      assertTrue(!answer.body().contains("secret"), answer.body());
      // only a 503 asks to be retried
      assertEquals(c[1].equals(503), answer.headers().firstValue("Retry-After").isPresent(), answer.body());
    }
  }

  @Test
  void aClosedProducerIsAnswered503AndFreesTheSendsPlace() throws Exception {
    intake.close();
    raw = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    // one send may wait for Kafka: a place that leaked would make the second answer 429
    intake = new HttpIntake("127.0.0.1", 0, raw, topic -> new KafkaReachability(() -> { }, null,
        java.time.Duration.ofMillis(500)), topics, TimeBounds.defaults(), IntakeSettings.open().withLimits(
        java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(30), 100, 0, 1), new SimpleMeterRegistry());
    raw.close();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + intake.port() + "/events")).POST(HttpRequest.BodyPublishers.ofString(EVENT)).build(),
          HttpResponse.BodyHandlers.ofString()).get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(503, r.statusCode(), r.body());
      assertEquals("Kafka did not acknowledge the event (IllegalStateException)", r.body());
    }
  }

  @Test
  void aClosingIntakeAnswers503AtOnceAndAnswersWhatStillWaits() throws Exception {
    start(false);
    java.util.concurrent.CompletableFuture<HttpResponse<String>> waiting = client.sendAsync(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + intake.port() + "/events")).POST(HttpRequest.BodyPublishers
        .ofString(EVENT)).build(), HttpResponse.BodyHandlers.ofString());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (raw.history().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    // the MockProducer's close does not acknowledge what it holds: without the answer at close, it would wait
    intake.close();
    HttpResponse<String> r = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(503, r.statusCode());
    assertEquals("the intake is shutting down", r.body());
  }

  @Test
  void theProducerTakesARecordOfTheLargestBody() {
    Object size = HttpIntake.producerSettings(io.ksiem.runtime.KafkaClients.of("127.0.0.1:1"))
        .get("max.request.size");
    // the body, its record's and batch's framing: the producer's default (1 MiB) left no room for them
    assertTrue((Integer) size >= HttpIntake.MAX_BODY + 1024, String.valueOf(size));
  }

  @Test
  void theOperatorsPathsAnswerWhatTheAppSaysAndCountAnswersByStatus() throws Exception {
    AtomicBoolean live = new AtomicBoolean(true);
    AtomicBoolean ready = new AtomicBoolean(false);
    intake.ops(new io.ksiem.runtime.OpsEndpoint.Probes(live::get, ready::get), metrics);
    java.util.function.Function<String, HttpResponse<String>> get = path -> {
      try {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + intake.port() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    assertEquals(200, get.apply("/health/live").statusCode());
    assertEquals(503, get.apply("/health/ready").statusCode());
    ready.set(true);
    assertEquals(200, get.apply("/health/ready").statusCode());
    live.set(false);
    assertEquals(503, get.apply("/health").statusCode());
    assertEquals(503, get.apply("/health/live").statusCode());
    assertEquals(200, post(EVENT).statusCode());
    assertEquals(405, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + intake.port() + "/events"))
        .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    HttpResponse<String> m = get.apply("/metrics");
    assertEquals(200, m.statusCode());
    assertTrue(m.body().contains("ksiem_ingest_http_requests_total{status=\"200\"} "), m.body());
    assertTrue(m.body().contains("ksiem_ingest_http_requests_total{status=\"503\"} 3.0"), "two /health, one ready");
    assertTrue(m.body().contains("ksiem_ingest_http_requests_total{status=\"405\"} 1.0"), m.body());
    assertTrue(m.body().contains("ksiem_ingest_records_total{outcome=\"accepted\",source=\"http\"} 1.0"),
        m.body());
  }
}
