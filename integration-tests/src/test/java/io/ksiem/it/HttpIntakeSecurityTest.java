package io.ksiem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.event.TimeBounds;
import io.ksiem.ingest.HttpIntake;
import io.ksiem.ingest.IntakeSettings;
import io.ksiem.runtime.KafkaClients;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.Certificates;
import io.ksiem.servers.KafkaCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /events} as a site runs it: HTTPS with client certificates, bearer and basic credentials, the header
 * timeout against a slow loris, and a broker of its own that is stopped mid-run. That test runs last only so the
 * others need not wait for the broker to come back; it ends once an event is taken again, so none depends on the
 * order. Certificates come from the servers module's test CA ({@link Certificates}): the server's and a client's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpIntakeSecurityTest {
  /** The raw topic takes a record of the largest body the intake takes, with its framing. */
  private static final int RAW_MAX_MESSAGE_BYTES = (1 << 20) + (64 << 10);
  /** Longer than a loaded machine's pause, far shorter than a stall until the slow clients are cut off. */
  private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(3);
  private static final String TOKEN = "tok-" + Long.toHexString(System.nanoTime());
  private static final String BASIC = "logstash:pa:ss-" + System.nanoTime();
  private static final String EVENT = "{\"event_id\":\"ID\",\"timestamp\":\"2026-01-05T10:00:00Z\",\"sensor\":\"s\","
      + "\"title\":\"t\",\"src_ip\":\"203.0.113.9\",\"dst_ip\":\"192.168.1.10\",\"src_port\":51000,\"dst_port\":22,"
      + "\"plugin_id\":4001,\"plugin_sid\":1}";

  @TempDir
  static Path dir;
  private static KafkaCluster kafka;
  private static Topics topics;
  private static String rawTopic;
  private static SSLContext clientTls;
  private static SSLContext noCertTls;
  private static Certificates certificates;
  private static IntakeSettings settings;
  private static HttpIntake intake;
  private static HttpClient client;
  /** Event ids the intake answered 200: each must be in the raw topic. */
  private static final Set<String> accepted = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() throws Exception {
    Thread broker = new Thread(() -> {
      try {
        kafka = KafkaCluster.startSingle(dir.resolve("kafka"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    broker.start();
    certificates = Certificates.create(dir.resolve("certs"));
    Path serverKeystore = certificates.keystore("server");
    Path clientKeystore = certificates.keystore("client");
    Path caPem = caPem(dir.resolve("ca.pem"));
    broker.join();
    topics = new Topics("intake-it.", new SchemaRegistryClient("http://127.0.0.1:1"));
    rawTopic = topics.raw("dsiem").name();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(rawTopic, 1, (short) 1).configs(Map.of("max.message.bytes",
          Integer.toString(RAW_MAX_MESSAGE_BYTES))))).all().get(30, TimeUnit.SECONDS);
    }
    clientTls = tls(clientKeystore);
    noCertTls = tls(null);
    settings = IntakeSettings.open()
        .withTls(new IntakeSettings.Tls(serverKeystore, certificates.password(), caPem))
        .withCredentials(List.of(TOKEN), List.of(BASIC))
        .withLimits(HEADER_TIMEOUT, Duration.ofSeconds(5), 64, 0, 1000);
    intake = new HttpIntake("127.0.0.1", 0, KafkaClients.of(kafka.bootstrapServers()), topics, TimeBounds.defaults(),
        settings, new SimpleMeterRegistry());
    client = HttpClient.newBuilder().sslContext(clientTls).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (intake != null) {
      intake.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  /** The test CA's certificate as the PEM file {@code http.tls.client.ca} takes, from its truststore. */
  private static Path caPem(Path pem) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certificates.truststore())) {
      trust.load(in, certificates.password().toCharArray());
    }
    byte[] der = trust.getCertificate("ca").getEncoded();
    Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
        .encodeToString(der) + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
    return pem;
  }

  /** Trusts the test CA; presents the key in {@code keystore}, or no certificate when null. */
  private static SSLContext tls(Path keystore) throws Exception {
    char[] password = certificates.password().toCharArray();
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certificates.truststore())) {
      trust.load(in, password);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (keystore != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore)) {
        ks.load(in, password);
      }
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, password);
    }
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return c;
  }

  private static URI uri(HttpIntake i, String path) {
    return URI.create("https://127.0.0.1:" + i.port() + path);
  }

  private static HttpResponse<String> post(HttpClient c, HttpIntake i, String body, String authorization)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(i, "/events")).timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String event(String id) {
    return EVENT.replace("\"ID\"", "\"" + id + "\"");
  }

  private static String basic(String pair) {
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @Order(1)
  void everyAnswerOverHttpsWithCredentials() throws Exception {
    String bearer = "Bearer " + TOKEN;
    assertEquals(200, post(client, intake, event("status-bearer"), bearer).statusCode());
    accepted.add("status-bearer");
    assertEquals(200, post(client, intake, event("status-basic"), basic(BASIC)).statusCode());
    accepted.add("status-basic");
    // an event that is not valid, one that does not parse, one out of time bounds, one too large
    assertEquals(418, post(client, intake, event("x").replace("\"sensor\":\"s\",", ""), bearer).statusCode());
    assertEquals(500, post(client, intake, "{\"event_id\":", bearer).statusCode());
    assertEquals(422, post(client, intake, event("x").replace("2026-01-05", "1969-12-31"), bearer).statusCode());
    assertEquals(413, post(client, intake, " ".repeat((1 << 20) + 1), bearer).statusCode());
    // just under the limit: the producer's max.request.size leaves room for the record's framing
    String nearlyMiB = event("status-nearly-1MiB");
    nearlyMiB = nearlyMiB.replace("}", " ".repeat((1 << 20) - 16 - nearlyMiB.length()) + "}");
    HttpResponse<String> large = post(client, intake, nearlyMiB, bearer);
    assertEquals(200, large.statusCode(), large.body());
    accepted.add("status-nearly-1MiB");
    // no credentials, wrong ones, the right password for another user
    for (String wrong : new String[] {null, "Bearer " + TOKEN + "x", basic("logstash:nope"),
        basic("other" + BASIC.substring(BASIC.indexOf(':')))}) {
      HttpResponse<String> r = post(client, intake, event("unauthorized"), wrong);
      assertEquals(401, r.statusCode(), String.valueOf(wrong));
      assertTrue(r.headers().allValues("WWW-Authenticate").contains("Bearer realm=\"ksiem\""), r.headers().toString());
    }
    assertEquals(405, client.send(HttpRequest.newBuilder(uri(intake, "/events")).header("Authorization", bearer)
        .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(431, client.send(HttpRequest.newBuilder(uri(intake, "/events")).header("Authorization", bearer)
        .header("X-Filler", "f".repeat(10_000)).POST(HttpRequest.BodyPublishers.ofString(event("x"))).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    // health needs no credentials, but still a client certificate
    assertEquals(200, client.send(HttpRequest.newBuilder(uri(intake, "/health")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    HttpClient noCert = HttpClient.newBuilder().sslContext(noCertTls).version(HttpClient.Version.HTTP_1_1).build();
    assertThrows(IOException.class, () -> post(noCert, intake, event("no-cert"), bearer));
    // over the rate: a second intake on the same broker that takes two events a second
    try (HttpIntake limited = new HttpIntake("127.0.0.1", 0, KafkaClients.of(kafka.bootstrapServers()), topics,
        TimeBounds.defaults(), settings.withLimits(Duration.ofSeconds(1), Duration.ofSeconds(5), 64, 2, 1000),
        new SimpleMeterRegistry())) {
      List<Integer> statuses = new ArrayList<>();
      String retryAfter = null;
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> r = post(client, limited, event("rate-" + i), bearer);
        statuses.add(r.statusCode());
        if (r.statusCode() == 200) {
          accepted.add("rate-" + i);
        } else {
          retryAfter = r.headers().firstValue("Retry-After").orElse(null);
        }
      }
      assertTrue(statuses.contains(200) && statuses.contains(429), statuses.toString());
      assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 429), statuses.toString());
      assertEquals("1", retryAfter);
    }
  }

  @Test
  @Order(2)
  void slowLorisClientsDoNotStallOthers() throws Exception {
    int slow = 12;
    List<Thread> lorises = new ArrayList<>();
    Map<Integer, Long> cutAfterMillis = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(slow);
    for (int n = 0; n < slow; n++) {
      int id = n;
      Thread t = new Thread(() -> {
        long t0 = System.nanoTime();
        try (SSLSocket s = (SSLSocket) clientTls.getSocketFactory().createSocket("127.0.0.1", intake.port())) {
          s.setSoTimeout(200);
          s.startHandshake();
          connected.countDown();
          OutputStream out = s.getOutputStream();
          byte[] head = ("POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
              + "\r\nX-Slow: " + "a".repeat(500) + "\r\n").getBytes(StandardCharsets.US_ASCII);
          for (int i = 0; i < head.length && !stop.get(); i++) {
            out.write(head[i]);
            out.flush();
            try {
              if (s.getInputStream().read() == -1) {
                break;
              }
            } catch (java.net.SocketTimeoutException stillOpen) {
              // the server said nothing and kept the connection: send the next byte
            }
          }
        } catch (IOException cut) {
          // the server closed it
        }
        cutAfterMillis.put(id, (System.nanoTime() - t0) / 1_000_000);
      }, "loris-" + n);
      t.start();
      lorises.add(t);
    }
    assertTrue(connected.await(20, TimeUnit.SECONDS), "the slow clients did not connect");
    long slowest = 0;
    for (int i = 0; i < 20; i++) {
      long t0 = System.nanoTime();
      String id = "beside-loris-" + i;
      assertEquals(200, post(client, intake, event(id), "Bearer " + TOKEN).statusCode());
      accepted.add(id);
      slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
    }
    // not held until the slow ones are cut off (the header timeout, 3 s after they connected)
    assertTrue(slowest < 1500, "a client beside the slow ones waited " + slowest + " ms");
    for (Thread t : lorises) {
      t.join(15_000);
    }
    stop.set(true);
    assertEquals(slow, cutAfterMillis.size(), "slow clients still connected: " + cutAfterMillis);
    // each was cut off about the header timeout (3 s) after it connected, long before it had sent its headers
    // (a byte every 200 ms: 100 s)
    long timeout = HEADER_TIMEOUT.toMillis();
    cutAfterMillis.values().forEach(ms -> assertTrue(ms >= timeout - 100 && ms < timeout + 6000,
        cutAfterMillis.toString()));
  }

  @Test
  @Order(3)
  void kafkaStoppedMidRunIsAnswered503FastAndNothingAcceptedIsLost() throws Exception {
    String bearer = "Bearer " + TOKEN;
    for (int i = 0; i < 10; i++) {
      assertEquals(200, post(client, intake, event("before-" + i), bearer).statusCode());
      accepted.add("before-" + i);
    }
    AtomicBoolean posting = new AtomicBoolean(true);
    List<long[]> answers = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread poster = new Thread(() -> {
      for (int i = 0; posting.get() && i < 2000; i++) {
        String id = "during-" + i;
        long t0 = System.nanoTime();
        try {
          int status = post(client, intake, event(id), bearer).statusCode();
          if (status == 200) {
            accepted.add(id);
          }
          answers.add(new long[] {t0, status, (System.nanoTime() - t0) / 1_000_000});
          Thread.sleep(20);
        } catch (Exception e) {
          answers.add(new long[] {t0, -1, (System.nanoTime() - t0) / 1_000_000});
        }
      }
    }, "poster");
    poster.start();
    long started = System.nanoTime() + 20_000_000_000L;
    while (answers.size() < 5 && System.nanoTime() < started) {
      Thread.sleep(20);
    }
    long stopped = System.nanoTime();
    kafka.stopNode(1);
    long stopTook = (System.nanoTime() - stopped) / 1_000_000;
    // answered 503 soon after the broker is gone, and then each 503 at once
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (System.nanoTime() < deadline
        && copy(answers).stream().filter(a -> a[1] == 503 && a[0] > stopped).count() < 20) {
      Thread.sleep(50);
    }
    List<long[]> after;
    after = copy(answers).stream().filter(a -> a[0] > stopped).toList();
    long firstUnavailable = after.stream().filter(a -> a[1] == 503).mapToLong(a -> a[0]).min().orElse(Long.MAX_VALUE);
    assertTrue(firstUnavailable < Long.MAX_VALUE, "no 503 after the broker stopped (stop took " + stopTook + " ms)");
    List<long[]> later = after.stream().filter(a -> a[0] > firstUnavailable).toList();
    assertTrue(later.size() >= 10, later.size() + " answers");
    for (long[] a : later) {
      assertEquals(503, a[1], "status while Kafka is stopped");
      // at once: not after the producer's delivery timeout (10 s)
      assertTrue(a[2] < 3000, "a 503 took " + a[2] + " ms");
    }
    kafka.startNode(1);
    long restarted = System.nanoTime();
    deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline
        && copy(answers).stream().noneMatch(a -> a[0] > restarted && a[1] == 200)) {
      Thread.sleep(100);
    }
    posting.set(false);
    poster.join(30_000);
    assertTrue(copy(answers).stream().anyMatch(a -> a[0] > restarted && a[1] == 200),
        "no 200 after the broker came back");
    assertTrue(copy(answers).stream().noneMatch(a -> a[1] == -1), "a request got no answer");
    assertEverythingAcceptedIsInTheRawTopic();
  }

  /** The answers so far: the poster adds to the list while it is read (a stream over it alone is not locked). */
  private static List<long[]> copy(List<long[]> answers) {
    synchronized (answers) {
      return new ArrayList<>(answers);
    }
  }

  private static void assertEverythingAcceptedIsInTheRawTopic() {
    Set<String> missing = new HashSet<>(accepted);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
        "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition p = new TopicPartition(rawTopic, 0);
      c.assign(List.of(p));
      c.seekToBeginning(List.of(p));
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!missing.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          String v = new String(r.value(), StandardCharsets.UTF_8);
          int at = v.indexOf("\"event_id\":\"") + 12;
          missing.remove(v.substring(at, v.indexOf('"', at)));
        }
      }
    }
    assertTrue(missing.isEmpty(), missing.size() + " of " + accepted.size() + " events answered 200 are not in "
        + rawTopic + ": " + missing);
  }
}
