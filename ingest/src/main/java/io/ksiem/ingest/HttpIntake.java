package io.ksiem.ingest;

import io.ksiem.event.EventParser;
import io.ksiem.event.TimeBounds;
import io.ksiem.runtime.AppMetrics;
import io.ksiem.runtime.OpsEndpoint;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dsiem's HTTP intake, {@code POST /events}, with its status codes (docs/dsiem-reference.md §2.3), so a dsiem Logstash
 * output can point at ksiem unchanged: 500 when the body does not parse, 418 when the event is not valid, 200 when
 * accepted, 413 over 1 MiB, 405 for another method. An event dated before 1970 or beyond {@code max.future}, or with
 * a field longer than {@link io.ksiem.event.FieldLimits#MAX_CHARS}, is answered 422 (not dsiem's: dsiem takes it, and
 * it would move the correlation clock or fill memory; 4xx, so Logstash does not retry it). An accepted body is
 * written unchanged to the dsiem raw topic, where ingest normalizes it as any shipper's record: one path for every
 * event, so ingest's idleness declarations cover these too (docs/time-model.md). As in dsiem, an event whose
 * timestamp is not RFC 3339 is answered 200; ingest then dead-letters it with the reason.
 *
 * <p>It is answered 200 only once Kafka has acknowledged it (acks=all, idempotent producer). Beyond dsiem: 401 with
 * {@code WWW-Authenticate} without an accepted credential ({@link IntakeAuth}; the operator's paths, {@code
 * /health*} and {@code /metrics}, stay open); 429
 * with {@code Retry-After} over {@code http.rate.limit} or with too many sends waiting for Kafka ({@link IntakeGate});
 * 503 with {@code Retry-After} at once while Kafka is unreachable ({@link KafkaReachability}), and to every request
 * still waiting for an acknowledgement when it becomes so; 408 for a body that stalls or arrives slower than
 * {@link #MIN_BODY_RATE}; 429 with {@code Retry-After} to a client address that failed authentication too often
 * ({@link AuthFailureThrottle}). When Kafka refuses an event for a reason of the event's own, the answer is not 503,
 * which a client retries for ever: 413 when it is over Kafka's size limit, 500 for any other refusal that a retry
 * would not change (an authorization or serialization error). Answers never carry Kafka's exception message, which
 * can name topics and principals: only a fixed text and the exception's class. Jetty serves it ({@link IntakeServer}:
 * TLS, timeouts, connection cap). The operator's paths answer as OpsEndpoint says.
 */
public final class HttpIntake implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpIntake.class);
  static final int MAX_BODY = 1 << 20;
  /**
   * The producer's {@code max.request.size}: a record of {@link #MAX_BODY} plus its batch's and record's framing
   * (well under 64 KiB), so a body the intake takes is not refused by the producer for its size. At the producer's
   * default (1 MiB, the same as MAX_BODY) a body just under 1 MiB failed with RecordTooLargeException.
   */
  static final int MAX_REQUEST_SIZE = MAX_BODY + (64 << 10);
  /**
   * The slowest a body may arrive, on average, in bytes a second: a body must be complete within
   * {@code http.idle.timeout.ms} plus its length (MAX_BODY without a {@code Content-Length}) at this rate, else it is
   * answered 408 and its connection closed. The idle timeout alone restarts on every byte, so a client sending one
   * byte just inside it would hold a connection for days. 8 KiB/s (64 kbit/s) is slower than any link a shipper
   * posts over; a 1 KiB event gets the idle timeout plus 1/8 s, a 1 MiB one plus 128 s.
   */
  static final int MIN_BODY_RATE = 8 << 10;
  /**
   * The largest declared body read (and dropped) before its 413, so the answer is not lost to a reset: a shipper's
   * batch a few times too large is told why; a larger one is answered at once (see {@code drainThenClose}).
   */
  static final long DRAIN_LIMIT = 4L * MAX_BODY;
  /** The producer's longest wait in {@code send()} (metadata, buffer): far less than a client's patience. */
  private static final int MAX_BLOCK_MS = 500;
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(1500);
  private static final Duration PROBE_INTERVAL = Duration.ofMillis(500);
  /** One parser per server thread: it is not thread-safe, and building one per request costs a JSON factory. */
  private static final ThreadLocal<EventParser> PARSER = ThreadLocal.withInitial(EventParser::new);

  private final Producer<byte[], byte[]> raw;
  private final String rawTopic;
  private final TimeBounds bounds;
  private final IntakeAuth auth;
  private final IntakeGate gate;
  private final KafkaReachability kafka;
  private final IntakeServer server;
  private final AuthFailureThrottle authFailures = new AuthFailureThrottle();
  private final long idleTimeoutMillis;
  /** Set when {@link #close} begins: every request from then on is answered 503 at once. */
  private volatile boolean closing;
  /** Requests whose event was sent and is not yet acknowledged: answered 503 if Kafka becomes unreachable. */
  private final Set<Exchange> waiting = ConcurrentHashMap.newKeySet();
  private final Set<Class<?>> loggedRefusals = ConcurrentHashMap.newKeySet();
  private final Counter accepted;
  private final Counter refused;
  private final Counter unauthorized;
  private final Counter rateLimited;
  private final Counter backpressure;
  private final Counter unavailable;
  private final Counter timedOut;
  private final Counter failed;
  private volatile OpsEndpoint.Probes probes = new OpsEndpoint.Probes(() -> true, () -> true);
  private volatile AppMetrics metrics;
  private final Map<Integer, Counter> requests = new ConcurrentHashMap<>();

  /** Plain HTTP, no authentication: anyone who can reach the port can post. */
  public HttpIntake(String host, int port, io.ksiem.runtime.KafkaClients kafka, Topics topics, TimeBounds bounds,
      MeterRegistry meters) throws Exception {
    this(host, port, kafka, topics, bounds, IntakeSettings.open(), meters);
  }

  public HttpIntake(String host, int port, io.ksiem.runtime.KafkaClients kafka, Topics topics, TimeBounds bounds,
      IntakeSettings settings, MeterRegistry meters) throws Exception {
    this(host, port, new KafkaProducer<>(producerSettings(kafka), new ByteArraySerializer(),
        new ByteArraySerializer()), topic -> KafkaReachability.ofTopic(kafka, topic, PROBE_TIMEOUT, PROBE_INTERVAL),
        topics, bounds, settings, meters);
  }

  /** The intake with the producer it writes to (a test gives Kafka's {@code MockProducer}), Kafka always there. */
  HttpIntake(String host, int port, Producer<byte[], byte[]> raw, Topics topics, TimeBounds bounds,
      MeterRegistry meters) throws Exception {
    this(host, port, raw, topic -> new KafkaReachability(() -> { }, null, PROBE_INTERVAL), topics, bounds,
        IntakeSettings.open(), meters);
  }

  /** The intake with its producer and how it learns whether Kafka is reachable, given the raw topic's name. */
  HttpIntake(String host, int port, Producer<byte[], byte[]> raw, Function<String, KafkaReachability> reachability,
      Topics topics, TimeBounds bounds, IntakeSettings settings, MeterRegistry meters) throws Exception {
    this.raw = raw;
    this.rawTopic = topics.raw(new DsiemNormalizer().source()).name();
    this.bounds = bounds;
    this.idleTimeoutMillis = settings.idleTimeout().toMillis();
    this.accepted = IngestTopology.counter(meters, "http", "accepted");
    this.refused = IngestTopology.counter(meters, "http", "refused");
    this.unauthorized = IngestTopology.counter(meters, "http", "unauthorized");
    this.rateLimited = IngestTopology.counter(meters, "http", "rate_limited");
    this.backpressure = IngestTopology.counter(meters, "http", "backpressure");
    this.unavailable = IngestTopology.counter(meters, "http", "unavailable");
    this.timedOut = IngestTopology.counter(meters, "http", "timed_out");
    this.failed = IngestTopology.counter(meters, "http", "failed");
    KafkaReachability probe = null;
    try {
      // each of these can throw (a malformed credentials line, an admin client's settings, a port in use): what
      // was made until then, the producer included, is closed below
      this.auth = new IntakeAuth(settings.bearerTokens(), settings.basicCredentials());
      this.gate = new IntakeGate(settings.rateLimit(), settings.maxInFlight());
      if (!auth.required()) {
        LOG.warn("POST /events asks for no credentials: anyone who can reach port {} can post events "
            + "(docs/settings.md, http.auth.*)", port);
      } else if (settings.tls() == null) {
        LOG.warn("POST /events takes credentials over plain HTTP: set http.tls.keystore so they are not sent in "
            + "clear");
      }
      probe = reachability.apply(rawTopic);
      this.kafka = probe;
      kafka.onUnreachable(() -> waiting.forEach(x -> {
        if (x.answer(503, kafka.unreachable() == null ? "Kafka is unreachable" : kafka.unreachable(), true)) {
          unavailable.increment();
        }
      }));
      this.server = new IntakeServer(host, port, settings, new Handler.Abstract() {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
          return events(request, response, callback);
        }
      }, new Handler.Abstract() {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
          ops(request, response, callback);
          return true;
        }
      }, timedOut::increment, status -> requests.computeIfAbsent(status, c -> Counter.builder(
          "ksiem.ingest.http.requests").description("requests to the intake port answered, by status")
          .tag("status", Integer.toString(c)).register(meters)).increment());
    } catch (Exception | Error e) {
      try {
        if (probe != null) {
          probe.close();
        }
      } finally {
        // nothing was sent: no acknowledgement to wait for
        raw.close(Duration.ZERO);
      }
      throw e;
    }
  }

  static Map<String, Object> producerSettings(io.ksiem.runtime.KafkaClients kafka) {
    return kafka.config(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 2, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS,
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST_SIZE));
  }

  /**
   * What the operator's paths answer (OpsEndpoint): {@code probes} for {@code /health/live} and {@code
   * /health/ready}, {@code metrics} for {@code /metrics} (none: 404). The intake's own part of readiness is
   * {@link #writable()}.
   */
  public void ops(OpsEndpoint.Probes probes, AppMetrics metrics) {
    this.probes = probes;
    this.metrics = metrics;
  }

  /** Whether an event posted now can be written: Kafka answers the intake's probe and the intake is not closing. */
  public boolean writable() {
    return !closing && kafka.unreachable() == null;
  }

  private void ops(Request request, Response response, Callback callback) {
    OpsEndpoint.Answer a = !HttpMethod.GET.is(request.getMethod()) ? null
        // the URI's path: PathMappingsHandler's getPathInContext fails on a server with no context (Jetty 12.1)
        : OpsEndpoint.answer(request.getHttpURI().getPath(), probes, metrics);
    if (a == null) {
      reply(response, callback, 404, "not found");
      return;
    }
    response.setStatus(a.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, a.contentType());
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, a.body().length);
    response.write(true, ByteBuffer.wrap(a.body()), callback);
  }

  public int port() {
    return server.port();
  }

  private boolean events(Request request, Response response, Callback callback) {
    if (closing) {
      unavailable.increment();
      retryAfter(response, 1);
      refuseUnread(response, callback, 503, "the intake is shutting down");
      return true;
    }
    InetAddress client = clientAddress(request);
    int wait = auth.required() ? authFailures.refusal(client) : 0;
    if (wait > 0) {
      rateLimited.increment();
      retryAfter(response, wait);
      refuseUnread(response, callback, 429, "too many failed authentications from this address");
      return true;
    }
    if (!auth.permits(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
      authFailures.failed(client);
      unauthorized.increment();
      for (String c : auth.challenges()) {
        response.getHeaders().add(HttpHeader.WWW_AUTHENTICATE, c);
      }
      refuseUnread(response, callback, 401, "credentials required");
      return true;
    }
    if (!request.getMethod().equals("POST")) {
      response.getHeaders().put(HttpHeader.ALLOW, "POST");
      refuseUnread(response, callback, 405, "POST only");
      return true;
    }
    String down = kafka.unreachable();
    if (down != null) {
      unavailable.increment();
      retryAfter(response, 1);
      answerUnread(request, response, callback, 503, down);
      return true;
    }
    IntakeGate.Refusal over = gate.rate();
    if (over != null) {
      rateLimited.increment();
      retryAfter(response, over.retryAfterSeconds());
      answerUnread(request, response, callback, 429, "over http.rate.limit");
      return true;
    }
    if (request.getLength() > MAX_BODY) {
      refused.increment();
      drainThenClose(request, response, callback, 413, "event larger than " + MAX_BODY + " bytes");
      return true;
    }
    // the body read and its deadline race: whichever comes first answers
    AtomicBoolean answered = new AtomicBoolean();
    long expected = request.getLength() >= 0 ? request.getLength() : MAX_BODY;
    Runnable cancel = server.schedule(() -> {
      if (answered.compareAndSet(false, true)) {
        refused.increment();
        timedOut.increment();
        closing(response);
        reply(response, callback, 408, "the body arrived slower than " + MIN_BODY_RATE + " bytes a second");
      }
    }, idleTimeoutMillis + expected * 1000 / MIN_BODY_RATE);
    Content.Source.asByteArrayAsync(request, MAX_BODY + 1).whenComplete((body, failure) -> {
      cancel.run();
      if (!answered.compareAndSet(false, true)) {
        return;
      }
      if (failure != null) {
        unreadable(request, response, callback, failure);
      } else if (body.length > MAX_BODY) {
        refused.increment();
        closing(response);
        reply(response, callback, 413, "event larger than " + MAX_BODY + " bytes");
      } else {
        event(body, response, callback);
      }
    });
    return true;
  }

  private static InetAddress clientAddress(Request request) {
    return request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress a ? a.getAddress()
        : null;
  }

  private void unreadable(Request request, Response response, Callback callback, Throwable failure) {
    refused.increment();
    closing(response);
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        timedOut.increment();
        reply(response, callback, 408, "the body did not arrive within http.idle.timeout.ms");
        return;
      }
    }
    if (Request.getContentBytesRead(request) > MAX_BODY) {
      reply(response, callback, 413, "event larger than " + MAX_BODY + " bytes");
    } else {
      reply(response, callback, 400, "the body could not be read");
    }
  }

  private void event(byte[] body, Response response, Callback callback) {
    long received = System.currentTimeMillis();
    EventParser.Result r = PARSER.get().parse(body);
    String outOfBounds = r.ok() ? bounds.refusal(r.event().time, received) : null;
    if (outOfBounds == null && r.ok()) {
      outOfBounds = io.ksiem.event.FieldLimits.refusal(r.event());
    }
    if (outOfBounds != null) {
      refused.increment();
      reply(response, callback, 422, "Not a valid event: " + outOfBounds);
    } else if (r.ok() || r.refusal() == EventParser.Refusal.BAD_TIMESTAMP) {
      send(body, received, response, callback);
    } else if (r.refusal() == EventParser.Refusal.INVALID) {
      refused.increment();
      reply(response, callback, 418, "Not a valid event: " + r.reason());
    } else {
      refused.increment();
      reply(response, callback, 500, "Cannot parse the submitted event: " + r.reason());
    }
  }

  private void send(byte[] body, long received, Response response, Callback callback) {
    if (!gate.send()) {
      backpressure.increment();
      retryAfter(response, IntakeGate.Refusal.IN_FLIGHT.retryAfterSeconds());
      reply(response, callback, 429, "too many events wait for Kafka");
      return;
    }
    Exchange x = new Exchange(response, callback);
    waiting.add(x);
    try {
      raw.send(new ProducerRecord<>(rawTopic, null, received, null, body), (metadata, e) -> acknowledged(x, e));
    } catch (RuntimeException e) {
      // IllegalStateException once the producer is closed, a KafkaException the producer threw rather than
      // gave its callback: answered like a failed acknowledgement, so the permit and the waiting entry go back
      acknowledged(x, e);
    }
    // Kafka became unreachable between the check and the send: this one was not in waiting when it was told
    String down = kafka.unreachable();
    if (down != null && x.answer(503, down, true)) {
      unavailable.increment();
    }
  }

  private void acknowledged(Exchange x, Exception e) {
    if (!x.acknowledged.compareAndSet(false, true)) {
      return;
    }
    gate.acknowledged();
    if (e == null) {
      if (x.answer(200, "", false)) {
        accepted.increment();
      }
      kafka.acknowledged(null);
      return;
    }
    String why = " (" + e.getClass().getSimpleName() + ")";
    switch (failure(e)) {
      case TOO_LARGE -> {
        if (x.answer(413, "Kafka refused the event for its size" + why, false)) {
          refused.increment();
        }
      }
      case REFUSED -> {
        if (loggedRefusals.add(e.getClass())) {
          // once a kind, not once an event: a missing ACL would refuse every one
          LOG.warn("Kafka refused an event from POST /events, answered 500 (logged once for {}): {}",
              e.getClass().getSimpleName(), e.toString());
        }
        if (x.answer(500, "Kafka refused the event" + why, false)) {
          failed.increment();
        }
      }
      case BUSY -> {
        if (x.answer(429, "too many events wait for Kafka", true)) {
          backpressure.increment();
        }
      }
      default -> {
        if (x.answer(503, "Kafka did not acknowledge the event" + why, true)) {
          unavailable.increment();
        }
        kafka.acknowledged(e);
      }
    }
  }

  /** What a failed send means for the client. */
  enum Failure {
    /** Over Kafka's size limit: 413, a retry would fail the same. */
    TOO_LARGE,
    /** Refused by Kafka for a reason a retry does not change (authorization, serialization): 500. */
    REFUSED,
    /** The producer's buffer is full: Kafka is there, only slower than the intake; 429. */
    BUSY,
    /** Kafka did not answer in time, or the producer is closing: 503, try again. */
    UNAVAILABLE
  }

  static Failure failure(Exception e) {
    if (e instanceof RecordTooLargeException) {
      return Failure.TOO_LARGE;
    }
    if (e instanceof BufferExhaustedException) {
      return Failure.BUSY;
    }
    if (e instanceof RetriableException || e.getCause() instanceof RetriableException) {
      return Failure.UNAVAILABLE;
    }
    // ApiException: the broker's refusal (authorization, an invalid record or topic); SerializationException:
    // the client's. Anything else (the producer closing, interrupted) says nothing about the event.
    if (e instanceof ApiException || e instanceof SerializationException) {
      return Failure.REFUSED;
    }
    return Failure.UNAVAILABLE;
  }

  /** One request waiting for Kafka: answered once, by the acknowledgement or by Kafka becoming unreachable. */
  private final class Exchange {
    final Response response;
    final Callback callback;
    final AtomicBoolean acknowledged = new AtomicBoolean();
    private final AtomicBoolean answered = new AtomicBoolean();

    Exchange(Response response, Callback callback) {
      this.response = response;
      this.callback = callback;
    }

    /** Answers unless answered already; true when this call did. */
    boolean answer(int status, String text, boolean retry) {
      if (!answered.compareAndSet(false, true)) {
        return false;
      }
      waiting.remove(this);
      // not on the producer's I/O thread, which every send of this app waits on
      server.execute(() -> write(status, text, retry));
      return true;
    }

    /** Answers on this thread, unless answered already. */
    boolean answerNow(int status, String text, boolean retry) {
      if (!answered.compareAndSet(false, true)) {
        return false;
      }
      waiting.remove(this);
      write(status, text, retry);
      return true;
    }

    private void write(int status, String text, boolean retry) {
      if (retry) {
        retryAfter(response, 1);
      }
      reply(response, callback, status, text);
    }
  }

  /**
   * Answers before the body was read: reads it first (up to {@link #MAX_BODY}, dropped), so the connection stays
   * usable; a body it will not read gets {@code Connection: close}. Else Jetty would close the connection after a
   * response that did not say so, and the client's next request on it would get no answer at all.
   */
  private void answerUnread(Request request, Response response, Callback callback, int status, String text) {
    if (request.getLength() == 0) {
      reply(response, callback, status, text);
    } else if (request.getLength() > MAX_BODY) {
      drainThenClose(request, response, callback, status, text);
    } else {
      Content.Source.asByteArrayAsync(request, MAX_BODY + 1).whenComplete((body, failure) -> {
        if (failure != null || body.length > MAX_BODY) {
          closing(response);
        }
        reply(response, callback, status, text);
      });
    }
  }

  /**
   * Answers a body declared over {@link #MAX_BODY} after reading it (dropped, never held), and closes the connection.
   * A socket closed with bytes still unread in it is reset (TCP RST), and the reset can reach the client, which is
   * still sending, before the answer: it then sees no status at all, and cannot tell a refusal from a lost event.
   * A body declared over {@link #DRAIN_LIMIT} is not worth that time; its answer may be lost. The body must come at
   * {@link #MIN_BODY_RATE} or the answer goes out when its time is up.
   */
  private void drainThenClose(Request request, Response response, Callback callback, int status, String text) {
    closing(response);
    long length = request.getLength();
    if (length > DRAIN_LIMIT) {
      reply(response, callback, status, text);
      return;
    }
    AtomicBoolean answered = new AtomicBoolean();
    Runnable answer = () -> {
      if (answered.compareAndSet(false, true)) {
        reply(response, callback, status, text);
      }
    };
    Runnable cancel = server.schedule(answer, idleTimeoutMillis + length * 1000 / MIN_BODY_RATE);
    Content.Source.consumeAll(request, Callback.from(() -> {
      cancel.run();
      answer.run();
    }, failure -> {
      cancel.run();
      answer.run();
    }));
  }

  /**
   * Answers without reading the body, and closes the connection after the answer: for refusals of a client that
   * did not show it may post (401, 405, 429 after failed authentications), whose body of up to {@link #MAX_BODY}
   * is not worth reading.
   */
  private static void refuseUnread(Response response, Callback callback, int status, String text) {
    closing(response);
    reply(response, callback, status, text);
  }

  private static void closing(Response response) {
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
  }

  private static void retryAfter(Response response, int seconds) {
    response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(seconds));
  }

  private static void reply(Response response, Callback callback, int status, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
    response.write(true, ByteBuffer.wrap(b), callback);
  }

  /**
   * From the start every new request is answered 503. Then the producer: closing it waits (up to 10 s) for the
   * acknowledgements of what was sent, and their answers still go out through the running server; a request whose
   * event is still not acknowledged then is answered 503 before the server stops. The server and the Kafka probe
   * are closed whatever the producer's close throws.
   */
  @Override
  public void close() {
    closing = true;
    try {
      raw.close(Duration.ofSeconds(10));
    } finally {
      try {
        waiting.forEach(x -> {
          if (x.answerNow(503, "the intake is shutting down", true)) {
            unavailable.increment();
          }
        });
      } finally {
        try {
          server.close();
        } finally {
          kafka.close();
        }
      }
    }
  }
}
