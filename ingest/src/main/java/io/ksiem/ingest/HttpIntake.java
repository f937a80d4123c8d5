package io.ksiem.ingest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ksiem.event.EventParser;
import io.ksiem.event.TimeBounds;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * dsiem's HTTP intake, {@code POST /events}, with its status codes (docs/dsiem-reference.md §2.3), so a dsiem Logstash
 * output can point at ksiem unchanged: 500 when the body does not parse, 418 when the event is not valid, 200 when
 * accepted. An event dated before 1970 or beyond {@code max.future}, or with a field longer than
 * {@link io.ksiem.event.FieldLimits#MAX_CHARS}, is answered 422 (not dsiem's: dsiem takes it, and it would move the
 * correlation clock or fill memory; 4xx, so Logstash does not retry it). An accepted body is written unchanged to
 * the dsiem raw topic, where ingest normalizes it as any shipper's record: one path for every event, so ingest's
 * idleness declarations cover these too (docs/time-model.md). It is accepted once Kafka has acknowledged it (503
 * when Kafka does not within 10 s). As in dsiem, an event whose timestamp is not RFC 3339 is answered 200; ingest
 * then dead-letters it with the reason. Served by the JDK's HTTP server. {@code GET /health} answers 200.
 */
public final class HttpIntake implements AutoCloseable {
  private static final int MAX_BODY = 1 << 20;
  /** One parser per server thread: it is not thread-safe, and building one per request costs a JSON factory. */
  private static final ThreadLocal<EventParser> PARSER = ThreadLocal.withInitial(EventParser::new);

  private final HttpServer server;
  private final Producer<byte[], byte[]> raw;
  private final String rawTopic;
  private final TimeBounds bounds;
  private final Counter accepted;
  private final Counter refused;
  private volatile java.util.function.BooleanSupplier health = () -> true;

  public HttpIntake(String host, int port, io.ksiem.runtime.KafkaClients kafka, Topics topics, TimeBounds bounds,
      MeterRegistry meters) throws IOException {
    this(host, port, new KafkaProducer<>(producerSettings(kafka), new ByteArraySerializer(),
        new ByteArraySerializer()), topics, bounds, meters);
  }

  /** The intake with the producer it writes to (a test gives Kafka's {@code MockProducer}). */
  HttpIntake(String host, int port, Producer<byte[], byte[]> raw, Topics topics, TimeBounds bounds,
      MeterRegistry meters) throws IOException {
    this.raw = raw;
    this.rawTopic = topics.raw(new DsiemNormalizer().source()).name();
    this.bounds = bounds;
    this.accepted = IngestTopology.counter(meters, "http", "accepted");
    this.refused = IngestTopology.counter(meters, "http", "refused");
    this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
    server.createContext("/events", this::events);
    server.createContext("/health", io.ksiem.runtime.HealthEndpoint.handler(() -> health.getAsBoolean()));
    server.setExecutor(Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "ksiem-http-intake");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  private static Map<String, Object> producerSettings(io.ksiem.runtime.KafkaClients kafka) {
    return kafka.config(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 2, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000));
  }

  /** What {@code GET /health} answers: 200 while {@code health} holds, else 503. */
  public void health(java.util.function.BooleanSupplier health) {
    this.health = health;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void events(HttpExchange ex) throws IOException {
    if (!ex.getRequestMethod().equals("POST")) {
      ex.getResponseHeaders().add("Allow", "POST");
      reply(ex, 405, "POST only");
      return;
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) {
      refused.increment();
      reply(ex, 413, "event larger than " + MAX_BODY + " bytes");
      return;
    }
    long received = System.currentTimeMillis();
    EventParser.Result r = PARSER.get().parse(body);
    try {
      String outOfBounds = r.ok() ? bounds.refusal(r.event().time, received) : null;
      if (outOfBounds == null && r.ok()) {
        outOfBounds = io.ksiem.event.FieldLimits.refusal(r.event());
      }
      if (outOfBounds != null) {
        refused.increment();
        reply(ex, 422, "Not a valid event: " + outOfBounds);
      } else if (r.ok() || r.refusal() == EventParser.Refusal.BAD_TIMESTAMP) {
        raw.send(new ProducerRecord<>(rawTopic, null, received, null, body)).get(10, TimeUnit.SECONDS);
        accepted.increment();
        reply(ex, 200, "");
      } else if (r.refusal() == EventParser.Refusal.INVALID) {
        refused.increment();
        reply(ex, 418, "Not a valid event: " + r.reason());
      } else {
        refused.increment();
        reply(ex, 500, "Cannot parse the submitted event: " + r.reason());
      }
    } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
      reply(ex, 503, "Kafka did not acknowledge the event: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply(ex, 503, "interrupted");
    }
  }

  private static void reply(HttpExchange ex, int status, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    }
    ex.close();
  }

  @Override
  public void close() {
    server.stop(1);
    raw.close();
  }
}
