package io.ksiem.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.event.TimeBounds;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What guards {@code POST /events} beyond dsiem's answers: credentials, the rate and in-flight limits, 503 while
 * Kafka is away, the header timeout and Jetty's own refusals. On Kafka's {@code MockProducer}, plain HTTP; TLS and a
 * real broker are in the integration tests ({@code HttpIntakeSecurityTest}).
 */
class HttpIntakeGuardsTest {
  private static final String EVENT = "{\"event_id\":\"e1\",\"timestamp\":\"2026-01-05T10:00:00Z\",\"sensor\":\"s\","
      + "\"title\":\"t\",\"src_ip\":\"203.0.113.9\",\"dst_ip\":\"192.168.1.10\",\"src_port\":51000,\"dst_port\":22,"
      + "\"plugin_id\":4001,\"plugin_sid\":1}";
  private final Topics topics = new Topics("guards-test.", new SchemaRegistryClient("http://127.0.0.1:1"));
  private final HttpClient client = HttpClient.newHttpClient();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final AtomicBoolean kafkaUp = new AtomicBoolean(true);
  private MockProducer<byte[], byte[]> raw;
  private HttpIntake intake;

  private void start(IntakeSettings settings, boolean autoComplete) throws Exception {
    raw = new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
    intake = new HttpIntake("127.0.0.1", 0, raw, topic -> new KafkaReachability(() -> {
      if (!kafkaUp.get()) {
        throw new IOException("test says Kafka is down");
      }
    }, null, Duration.ofMillis(50)), topics, TimeBounds.defaults(), settings, meters);
  }

  @AfterEach
  void stop() {
    if (intake != null) {
      intake.close();
    }
  }

  private double count(String outcome) {
    return meters.get("ksiem.ingest.records").tag("source", "http").tag("outcome", outcome).counter().count();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + intake.port() + path);
  }

  private HttpResponse<String> post(String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri("/events")).POST(HttpRequest.BodyPublishers.ofString(EVENT));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String userPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void onlyAcceptedTokensOrPasswordsMayPostAndHealthStaysOpen() throws Exception {
    start(IntakeSettings.open().withCredentials(List.of("tok-1", "tok-2"), List.of("logstash:s3cr:et")), true);
    assertEquals(200, post("Bearer tok-2").statusCode());
    assertEquals(200, post("bearer  tok-1 ").statusCode());
    assertEquals(200, post(basic("logstash:s3cr:et")).statusCode());
    for (String wrong : new String[] {null, "Bearer tok-3", "Bearer tok-", "Bearer tok-11", "Bearer ", "tok-1",
        basic("logstash:s3cr"), basic("other:s3cr:et"), "Basic !!!notbase64", "Digest tok-1",
        "Bearer " + "x".repeat(4000)}) {
      HttpResponse<String> r = post(wrong);
      assertEquals(401, r.statusCode(), String.valueOf(wrong));
      assertEquals(List.of("Bearer realm=\"ksiem\"", "Basic realm=\"ksiem\", charset=\"UTF-8\""),
          r.headers().allValues("WWW-Authenticate"));
    }
    // a GET without credentials learns nothing about the method either
    assertEquals(401, client.send(HttpRequest.newBuilder(uri("/events")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(200, client.send(HttpRequest.newBuilder(uri("/health")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(3, raw.history().size());
    assertEquals(3, count("accepted"));
    assertEquals(12, count("unauthorized"));
  }

  @Test
  void withoutCredentialsConfiguredAnyonePosts() throws Exception {
    start(IntakeSettings.open(), true);
    assertEquals(200, post(null).statusCode());
    assertEquals(200, post("Bearer whatever").statusCode());
  }

  @Test
  void overTheRateIs429WithRetryAfter() throws Exception {
    start(IntakeSettings.open().withLimits(Duration.ofSeconds(10), Duration.ofSeconds(30), 100, 5, 1000), true);
    List<Integer> statuses = new ArrayList<>();
    String retryAfter = null;
    long t0 = System.nanoTime();
    // until the first 429: without a limit there is none, and the loop ends at 200 requests
    while (retryAfter == null && statuses.size() < 200) {
      HttpResponse<String> r = post(null);
      statuses.add(r.statusCode());
      if (r.statusCode() == 429) {
        retryAfter = r.headers().firstValue("Retry-After").orElse(null);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long ok = statuses.stream().filter(s -> s == 200).count();
    // a second's worth passes at once, then five a second however slow this machine is today
    assertTrue(ok >= 5 && ok <= 5 + Math.ceil(seconds * 5), ok + " taken in " + seconds + " s: " + statuses);
    assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 429), statuses.toString());
    assertEquals("1", retryAfter);
    assertEquals(ok, raw.history().size());
    assertEquals(statuses.size() - ok, count("rate_limited"));
    // and the bucket fills again
    assertEquals(200, eventually(() -> post(null).statusCode(), 200, Duration.ofSeconds(10)));
  }

  /** Polls {@code status} every 100 ms until it gives {@code wanted} or {@code within} has passed; its last. */
  private static int eventually(java.util.concurrent.Callable<Integer> status, int wanted, Duration within)
      throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    int last = status.call();
    while (last != wanted && System.nanoTime() < deadline) {
      Thread.sleep(100);
      last = status.call();
    }
    return last;
  }

  @Test
  void tooManySendsWaitingForKafkaIs429() throws Exception {
    start(IntakeSettings.open().withLimits(Duration.ofSeconds(10), Duration.ofSeconds(30), 100, 0, 2), false);
    CompletableFuture<HttpResponse<String>> first = client.sendAsync(HttpRequest.newBuilder(uri("/events"))
        .POST(HttpRequest.BodyPublishers.ofString(EVENT)).build(), HttpResponse.BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> second = client.sendAsync(HttpRequest.newBuilder(uri("/events"))
        .POST(HttpRequest.BodyPublishers.ofString(EVENT)).build(), HttpResponse.BodyHandlers.ofString());
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (raw.history().size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    HttpResponse<String> third = post(null);
    assertEquals(429, third.statusCode());
    assertEquals("1", third.headers().firstValue("Retry-After").orElse(""));
    assertEquals(1, count("backpressure"));
    // Kafka acknowledges: those two are answered 200, and there is room again
    assertTrue(raw.completeNext());
    assertTrue(raw.completeNext());
    assertEquals(200, first.get().statusCode());
    assertEquals(200, second.get().statusCode());
    CompletableFuture<HttpResponse<String>> fourth = client.sendAsync(HttpRequest.newBuilder(uri("/events"))
        .POST(HttpRequest.BodyPublishers.ofString(EVENT)).build(), HttpResponse.BodyHandlers.ofString());
    while (raw.history().size() < 3 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(raw.completeNext());
    assertEquals(200, fourth.get().statusCode());
  }

  @Test
  void whileKafkaIsUnreachableEveryEventIs503AtOnceAndWaitingOnesAreAnswered() throws Exception {
    start(IntakeSettings.open(), false);
    CompletableFuture<HttpResponse<String>> waiting = client.sendAsync(HttpRequest.newBuilder(uri("/events"))
        .POST(HttpRequest.BodyPublishers.ofString(EVENT)).build(), HttpResponse.BodyHandlers.ofString());
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (raw.history().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    kafkaUp.set(false);
    HttpResponse<String> w = waiting.get();
    assertEquals(503, w.statusCode());
    assertTrue(w.body().contains("Kafka is unreachable"), w.body());
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = post(null);
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(503, r.statusCode());
      assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
      // at once, not after the producer's delivery timeout (10 s; here the MockProducer would never answer)
      assertTrue(millis < 3000, millis + " ms");
    }
    assertEquals(1, raw.history().size());
    assertEquals(6, count("unavailable"));
    // the late acknowledgement of the one answered 503 changes nothing
    raw.completeNext();
    kafkaUp.set(true);
    deadline = System.nanoTime() + 5_000_000_000L;
    CompletableFuture<HttpResponse<String>> again;
    do {
      Thread.sleep(20);
      again = client.sendAsync(HttpRequest.newBuilder(uri("/events")).POST(HttpRequest.BodyPublishers
          .ofString(EVENT)).build(), HttpResponse.BodyHandlers.ofString());
      while (!again.isDone() && raw.history().size() < 2) {
        Thread.sleep(5);
      }
      raw.completeNext();
    } while (again.get().statusCode() == 503 && System.nanoTime() < deadline);
    assertEquals(200, again.get().statusCode());
  }

  @Test
  void aBodyOverOneMebibyteWithoutALengthIs413() throws Exception {
    start(IntakeSettings.open(), true);
    byte[] huge = new byte[(1 << 20) + 10];
    java.util.Arrays.fill(huge, (byte) ' ');
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/events")).POST(HttpRequest.BodyPublishers
        .ofInputStream(() -> new ByteArrayInputStream(huge))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(413, r.statusCode());
    assertEquals(0, raw.history().size());
  }

  @Test
  void overLongHeadersAre431() throws Exception {
    start(IntakeSettings.open(), true);
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/events")).header("X-Filler",
        "f".repeat(IntakeServer.MAX_HEADER_BYTES + 100)).POST(HttpRequest.BodyPublishers.ofString(EVENT)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(431, r.statusCode());
  }

  @Test
  void aSlowLorisIsCutOffAfterTheHeaderTimeoutWhileOthersAreServed() throws Exception {
    start(IntakeSettings.open().withLimits(Duration.ofSeconds(2), Duration.ofSeconds(30), 100, 0, 1000), true);
    try (Socket loris = new Socket()) {
      loris.connect(new InetSocketAddress("127.0.0.1", intake.port()));
      loris.setSoTimeout(300);
      OutputStream out = loris.getOutputStream();
      InputStream in = loris.getInputStream();
      byte[] request = ("POST /events HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(200) + "\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      long t0 = System.nanoTime();
      boolean cut = false;
      for (int i = 0; i < request.length && !cut; i++) {
        try {
          out.write(request[i]);
          out.flush();
        } catch (IOException closed) {
          cut = true;
        }
        if (i % 2 == 0) {
          // others are served meanwhile
          assertEquals(200, post(null).statusCode());
        }
        // a byte every 300 ms: well inside the idle timeout, and the headers would take a minute; the wait is a
        // read, so the cut is seen when it happens
        try {
          int answer = in.read();
          // cut off, not answered: the request was never read, so no status fits it (Jetty would say 500)
          assertEquals(-1, answer, "an answer to a request whose headers never came");
          cut = true;
        } catch (java.net.SocketTimeoutException stillOpen) {
          // the server said nothing and kept the connection: send the next byte
        } catch (IOException reset) {
          cut = true;
        }
        if (System.nanoTime() - t0 > 10_000_000_000L) {
          break;
        }
      }
      if (!cut) {
        loris.setSoTimeout(5000);
        try {
          cut = in.read() == -1;
        } catch (java.net.SocketTimeoutException stillOpen) {
          cut = false;
        } catch (IOException reset) {
          cut = true;
        }
      }
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(cut, "the slow client still has its connection after " + millis + " ms");
      // about the header timeout (2 s); without it, the connection would outlive the whole 10 s loop
      assertTrue(millis >= 1800 && millis < 8000, millis + " ms");
    }
    assertTrue(count("timed_out") >= 1);
  }

  @Test
  void aKeptAliveConnectionIsReusedAfterTheHeaderTimeoutAndItsNextRequestHasTheTimeoutFromItsFirstBytes()
      throws Exception {
    start(IntakeSettings.open().withLimits(Duration.ofSeconds(1), Duration.ofSeconds(20), 100, 0, 1000), true);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", intake.port()));
      s.setSoTimeout(15_000);
      byte[] body = EVENT.getBytes(StandardCharsets.UTF_8);
      byte[] req = ("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n" + EVENT)
          .getBytes(StandardCharsets.UTF_8);
      InputStream in = s.getInputStream();
      // idle longer than the header timeout between requests, as a shipper's pooled connection is: each is served
      // (a connection closed under a client that reuses it would leave its POST without a status)
      for (int i = 0; i < 3; i++) {
        if (i > 0) {
          Thread.sleep(2500);
        }
        s.getOutputStream().write(req);
        String head = readHead(in);
        assertTrue(head.startsWith("HTTP/1.1 200"), i + ": " + head);
      }
      // idle again, then a request whose headers never end: cut about the header timeout after its first bytes
      Thread.sleep(2500);
      s.getOutputStream().write("POST /events HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      long t0 = System.nanoTime();
      int read;
      try {
        read = in.read();
      } catch (IOException reset) {
        read = -1;
      }
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(-1, read, () -> {
        try {
          return (char) 'H' + readHead(in);
        } catch (IOException e) {
          return e.toString();
        }
      });
      // without the header timeout, the idle timeout's 20 s
      assertTrue(millis >= 800 && millis < 6000, millis + " ms");
    }
    assertTrue(count("timed_out") >= 1);
  }

  @Test
  void aRefusalOfAnAuthenticatedClientReadsTheBodyAndKeepsTheConnection() throws Exception {
    // one event a second: the second request on the connection is over the rate
    start(IntakeSettings.open().withCredentials(List.of("tok"), List.of())
        .withLimits(Duration.ofSeconds(10), Duration.ofSeconds(30), 100, 1, 1000), true);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", intake.port()));
      s.setSoTimeout(5000);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      // the body comes after the refusal could have been sent: each answer must still say whether the
      // connection goes on, and the next request on it must be answered
      List<String> heads = new ArrayList<>();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while ((heads.stream().noneMatch(h -> h.startsWith("HTTP/1.1 429")) || !heads.get(heads.size() - 1)
          .startsWith("HTTP/1.1 200")) && System.nanoTime() < deadline) {
        String head = postSplit(in, out, "tok", 100);
        assertTrue(head.startsWith("HTTP/1.1 200") || head.startsWith("HTTP/1.1 429"), head);
        assertTrue(!head.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), head);
        heads.add(head);
      }
      assertTrue(heads.get(0).startsWith("HTTP/1.1 200"), heads.toString());
      assertTrue(heads.stream().anyMatch(h -> h.startsWith("HTTP/1.1 429")), heads.toString());
      assertTrue(heads.get(heads.size() - 1).startsWith("HTTP/1.1 200"), heads.toString());
      assertEquals(heads.stream().filter(h -> h.startsWith("HTTP/1.1 200")).count(), raw.history().size());
    }
  }

  @Test
  void aClientWithoutCredentialsIsAnsweredBeforeItsBodyAndDisconnected() throws Exception {
    start(IntakeSettings.open().withCredentials(List.of("tok"), List.of()), true);
    for (String method : new String[] {"POST", "PUT"}) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", intake.port()));
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        // headers promising a megabyte that never comes: the answer must not wait for it
        s.getOutputStream().write((method + " /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
            + "Content-Length: " + HttpIntake.MAX_BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        String head = readHead(in);
        assertTrue(head.startsWith("HTTP/1.1 401"), head);
        assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), head);
        int length = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
        in.readNBytes(length);
        assertEquals(-1, in.read());
      }
    }
    // an authenticated client's wrong method: the same
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", intake.port()));
      s.setSoTimeout(5000);
      s.getOutputStream().write(("PUT /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
          + "Content-Length: " + HttpIntake.MAX_BODY + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      assertTrue(head.startsWith("HTTP/1.1 405"), head);
      assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), head);
    }
  }

  @Test
  void repeatedFailedAuthenticationsFromAnAddressAre429ForEveryRequestOfIt() throws Exception {
    start(IntakeSettings.open().withCredentials(List.of("tok"), List.of()), true);
    for (int i = 0; i < AuthFailureThrottle.BURST; i++) {
      assertEquals(401, post("Bearer guess-" + i).statusCode());
    }
    HttpResponse<String> over = post("Bearer guess-over");
    assertEquals(429, over.statusCode());
    assertTrue(Integer.parseInt(over.headers().firstValue("Retry-After").orElse("0")) >= 1, over.headers().toString());
    // the right token too: else a 429 would tell a wrong guess from a right one's 200
    assertEquals(429, post("Bearer tok").statusCode());
    assertEquals(AuthFailureThrottle.BURST, count("unauthorized"));
    assertEquals(0, raw.history().size());
    // a failure's worth comes back within a second or so
    assertEquals(200, eventually(() -> post("Bearer tok").statusCode(), 200, Duration.ofSeconds(10)));
  }

  @Test
  void aBodyDrippingInsideTheIdleTimeoutIsAnswered408() throws Exception {
    // idle timeout 1 s: the deadline for 1000 bytes is 1 s + 1000 / MIN_BODY_RATE s, about 1.1 s
    start(IntakeSettings.open().withLimits(Duration.ofSeconds(10), Duration.ofSeconds(1), 100, 0, 1000), true);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", intake.port()));
      s.setSoTimeout(300);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long t0 = System.nanoTime();
      String head = null;
      // a byte every 300 ms, each restarting the idle timeout: 1000 bytes would take 5 minutes
      for (int i = 0; i < 1000 && head == null && System.nanoTime() - t0 < 10_000_000_000L; i++) {
        try {
          out.write(' ');
          out.flush();
        } catch (IOException cut) {
          break;
        }
        try {
          int c = in.read();
          if (c < 0) {
            break;
          }
          s.setSoTimeout(5000);
          head = (char) c + readHead(in);
        } catch (java.net.SocketTimeoutException nothingYet) {
          // next byte
        }
      }
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(head != null && head.startsWith("HTTP/1.1 408"), head + " after " + millis + " ms");
      assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), head);
      // after the deadline, long before the 10 s the loop would run without it
      assertTrue(millis >= 900 && millis < 8000, millis + " ms");
    }
    assertEquals(1, count("timed_out"));
    assertEquals(0, raw.history().size());
  }

  @Test
  void anIntakeThatFailsToStartClosesWhatItMade() throws Exception {
    MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
        new ByteArraySerializer());
    IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new HttpIntake("127.0.0.1", 0, producer, topic -> new KafkaReachability(() -> { }, null,
            Duration.ofMillis(50)), topics, TimeBounds.defaults(), IntakeSettings.open().withCredentials(List.of(),
            List.of("a:b", "no-colon", "c:d")), meters));
    // which entry, never what it holds
    assertTrue(bad.getMessage().contains("entry 2") && !bad.getMessage().contains("no-colon"), bad.getMessage());
    assertTrue(producer.closed());
    // a port in use: Jetty's start fails after its threads started; they and the probe's are stopped
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      MockProducer<byte[], byte[]> second = new MockProducer<>(true, null, new ByteArraySerializer(),
          new ByteArraySerializer());
      org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> new HttpIntake("127.0.0.1",
          taken.getLocalPort(), second, topic -> new KafkaReachability(() -> { }, null, Duration.ofMillis(50)),
          topics, TimeBounds.defaults(), IntakeSettings.open(), meters));
      assertTrue(second.closed());
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (intakeThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, intakeThreads());
  }

  private static long intakeThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive()
        && t.getName().startsWith("ksiem-http-intake")).count();
  }

  /** Headers, a pause of {@code pauseMillis}, the body; the answer's head, its body read. */
  private static String postSplit(InputStream in, OutputStream out, String token, long pauseMillis)
      throws Exception {
    byte[] body = EVENT.getBytes(StandardCharsets.UTF_8);
    out.write(("POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nContent-Length: "
        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    Thread.sleep(pauseMillis);
    out.write(body);
    out.flush();
    String head = readHead(in);
    int length = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
    in.readNBytes(length);
    return head;
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed after " + b);
      }
      b.append((char) c);
    }
    // 200 has an empty body (Content-Length: 0)
    return b.toString();
  }
}
