package io.ksiem.it;

import io.ksiem.cli.AppConfig;
import io.ksiem.cli.Apps;
import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.CorrelateApp;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.elasticsearch.AlarmsApp;
import io.ksiem.ingest.IngestApp;
import io.ksiem.runtime.KafkaClients;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.runtime.acl.AccessCheck;
import io.ksiem.runtime.acl.AppAcls;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topic;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.Certificates;
import io.ksiem.servers.KafkaCluster;
import io.ksiem.servers.SharedServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * The pipeline on a secured broker of its own (SASL_SSL with SCRAM-SHA-512, mutual TLS, ACLs enforced and nothing
 * allowed without one): every app and the setup commands under a principal of their own holding exactly what
 * `ksiem acls` grants; a wrong password or one missing ACL stops an app at once, saying which.
 */
class SecuredKafkaTest {
  private static final Path EXAMPLES = Path.of("..", "examples");
  private static KafkaCluster kafka;
  private static Path dir;
  private static final Map<String, String> passwords = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("ksiem-secured");
    kafka = KafkaCluster.startSecured(dir.resolve("kafka"), Certificates.create(dir.resolve("certs")));
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /** SCRAM user {@code name} with a fresh password, holding {@code role}'s ACLs under {@code prefix}. */
  private static KafkaClients scramUser(String name, AppAcls.Role role, String prefix) throws Exception {
    String password = passwords.computeIfAbsent(name, n -> UUID.randomUUID().toString());
    kafka.addScramUser(name, password);
    grant(role, "User:" + name, prefix);
    return new KafkaClients(kafka.bootstrapServers(), kafka.saslClient(name, password));
  }

  /** Certificate {@code CN=name}, holding {@code role}'s ACLs under {@code prefix}. */
  private static KafkaClients tlsUser(String name, AppAcls.Role role, String prefix) throws Exception {
    grant(role, "User:" + name, prefix);
    return new KafkaClients(kafka.sslBootstrapServers(), kafka.tlsClient(name));
  }

  private static void grant(AppAcls.Role role, String principal, String prefix) throws Exception {
    try (Admin admin = Admin.create(kafka.adminConfig())) {
      AppAcls.apply(admin, role, principal, prefix);
    }
  }

  private static StreamsApps.Common common(KafkaClients k, String prefix) throws Exception {
    return new StreamsApps.Common(k, SharedServers.registryUrl(), prefix,
        Files.createTempDirectory(dir, "state").toString(), 1, (short) 1, true);
  }

  @Test
  void pipelineOverSaslSslWithEachAppsOwnPrincipal() throws Exception {
    String prefix = "sasl.";
    KafkaClients ingest = scramUser("sasl-ingest", AppAcls.Role.INGEST, prefix);
    // correlate's password reaches it from a directory (Kubernetes' mounted Secret), alarms' from a properties
    // file: Kafka's config providers, set as kafka.* settings
    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    KafkaClients correlateUser = scramUser("sasl-correlate", AppAcls.Role.CORRELATE, prefix);
    Files.writeString(secrets.resolve("jaas"), correlateUser.properties().get("sasl.jaas.config"));
    KafkaClients correlate = settings(Map.of("kafka.config.providers", "dir", "kafka.config.providers.dir.class",
        "org.apache.kafka.common.config.provider.DirectoryConfigProvider", "kafka.sasl.jaas.config",
        "${dir:" + secrets + ":jaas}"), correlateUser);
    KafkaClients alarmsUser = scramUser("sasl-alarms", AppAcls.Role.ALARMS, prefix);
    Path props = dir.resolve("alarms-kafka.properties");
    Files.writeString(props, "password=" + passwords.get("sasl-alarms") + "\n");
    KafkaClients alarms = settings(Map.of("kafka.config.providers", "file", "kafka.config.providers.file.class",
        "org.apache.kafka.common.config.provider.FileConfigProvider", "kafka.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"sasl-alarms\" password=\"${file:"
            + props + ":password}\";"), alarmsUser);
    KafkaClients admin = scramUser("sasl-admin", AppAcls.Role.ADMIN, prefix);
    runPipeline(prefix, Map.of(AppAcls.Role.INGEST, ingest, AppAcls.Role.CORRELATE, correlate,
        AppAcls.Role.ALARMS, alarms, AppAcls.Role.ADMIN, admin), "sasl-");
  }

  @Test
  void pipelineOverMutualTlsWithEachAppsOwnCertificate() throws Exception {
    String prefix = "tls.";
    Map<AppAcls.Role, KafkaClients> users = new HashMap<>();
    for (AppAcls.Role r : List.of(AppAcls.Role.INGEST, AppAcls.Role.CORRELATE, AppAcls.Role.ALARMS)) {
      users.put(r, tlsUser("tls-" + r.shortName(), r, prefix));
    }
    // the setup job's ACLs as an operator applies them: ksiem acls --apply, as the super user
    Map<String, String> superUser = new HashMap<>();
    kafka.adminConfig().forEach((k, v) -> superUser.put(k, v.toString()));
    superUser.remove("bootstrap.servers");
    Path config = configFile(new KafkaClients(kafka.bootstrapServers(), superUser), prefix);
    java.io.StringWriter printed = new java.io.StringWriter();
    picocli.CommandLine cl = io.ksiem.cli.Ksiem.commandLine();
    cl.setOut(new java.io.PrintWriter(printed));
    assertEquals(0, cl.execute("acls", "--app", "admin", "--principal", "User:tls-admin", "--prefix", prefix,
        "--apply", "--config", config.toString()), printed.toString());
    assertEquals(AppAcls.bindings(AppAcls.Role.ADMIN, "User:tls-admin", prefix).size() + " ACLs for User:tls-admin "
        + "(admin, prefix tls.)\n", printed.toString());
    users.put(AppAcls.Role.ADMIN, new KafkaClients(kafka.sslBootstrapServers(), kafka.tlsClient("tls-admin")));
    runPipeline(prefix, users, "tls-");
  }

  /** The kafka.* settings as AppConfig reads them from a file, over {@code base}'s properties and bootstrap. */
  private static KafkaClients settings(Map<String, String> kafkaSettings, KafkaClients base) throws Exception {
    Path file = Files.createTempFile(dir, "settings", ".properties");
    StringBuilder s = new StringBuilder("bootstrap.servers=" + base.bootstrapServers() + "\n");
    base.properties().forEach((k, v) -> {
      if (!k.equals("sasl.jaas.config")) {
        s.append("kafka.").append(k).append('=').append(v).append('\n');
      }
    });
    java.util.Properties p = new java.util.Properties();
    p.putAll(kafkaSettings);
    try (var w = new java.io.StringWriter()) {
      p.store(w, null);
      s.append(w);
    }
    Files.writeString(file, s.toString());
    KafkaClients k = new AppConfig(file, Map.of()).kafka();
    assertTrue(k.properties().get("sasl.jaas.config").contains("${"), "the secret is not in the settings");
    return k;
  }

  /**
   * The setup commands as admin (topics create, directives push), the three apps each as its own user, the example
   * dsiem events in (raw topic and POST /events): Elasticsearch holds what `ksiem replay` gives, and status reads
   * correlate's instance.
   */
  private void runPipeline(String prefix, Map<AppAcls.Role, KafkaClients> users, String ids) throws Exception {
    Topics topics = new Topics(prefix, new SchemaRegistryClient(SharedServers.registryUrl()));
    List<Topic<?, ?>> all = new ArrayList<>(topics.all());
    for (String s : List.of("dsiem", "suricata", "openssh")) {
      all.add(topics.raw(s));
    }
    StreamsApps.createTopics(common(users.get(AppAcls.Role.ADMIN), prefix), all);
    DirectivePublisher.push(users.get(AppAcls.Role.ADMIN), topics, List.of(EXAMPLES.resolve("directives")),
        List.of(EXAMPLES.resolve("assets")), ControlRecords.GroupBy.ID, 64, (short) 1);
    String es = SharedServers.elasticsearch().url();
    List<String> lines = Files.readAllLines(EXAMPLES.resolve("raw").resolve("dsiem.jsonl")).stream()
        .map(l -> l.replace("\"event_id\":\"", "\"event_id\":\"" + ids)).toList();
    try (IngestApp in = Apps.ingest(common(users.get(AppAcls.Role.INGEST), prefix), "127.0.0.1", 0,
        new SimpleMeterRegistry());
        CorrelateApp co = Apps.correlate(common(users.get(AppAcls.Role.CORRELATE), prefix), 1, 0, 1,
            Duration.ofSeconds(1), Duration.ofSeconds(30), io.ksiem.event.TimeBounds.defaults(),
            io.ksiem.backlog.CorrelationOptions.defaults(), Map.of(), 64L << 20);
        AlarmsApp al = Apps.alarms(common(users.get(AppAcls.Role.ALARMS), prefix),
            PipelineFixture.sinkConnection(es), false, 500, new SimpleMeterRegistry())) {
      in.start();
      co.start();
      al.start();
      try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.adminConfig(), new ByteArraySerializer(),
          new ByteArraySerializer())) {
        for (String l : lines.subList(1, lines.size())) {
          p.send(new ProducerRecord<>(topics.raw("dsiem").name(), l.getBytes(StandardCharsets.UTF_8))).get();
        }
      }
      // the intake's producer writes as ingest's user too
      assertEquals(200, PipelineFixture.post(in.httpPort(), lines.get(0)));
      List<NormalizedEvent> events = events(topics, ids, lines.size(), Duration.ofSeconds(60));
      PipelineFixture.Expected expected = PipelineFixture.replay(events, EXAMPLES.resolve("directives"),
          EXAMPLES.resolve("assets"));
      assertTrue(!expected.alarms().isEmpty(), "the examples raise alarms");
      PipelineFixture.assertElasticsearchHolds(es, expected, Duration.ofSeconds(60), ids);
      assertTrue(in.streams().state().isRunningOrRebalancing() && co.streams().state().isRunningOrRebalancing()
          && al.isAlive(), "every app still runs");
      // ksiem status, as the admin user: correlate's instance from the status topic, ingest's and alarms' groups
      Path config = configFile(users.get(AppAcls.Role.ADMIN), prefix);
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      java.io.StringWriter printed;
      int exit;
      do {
        printed = new java.io.StringWriter();
        picocli.CommandLine cl = io.ksiem.cli.Ksiem.commandLine();
        cl.setOut(new java.io.PrintWriter(printed));
        cl.setErr(new java.io.PrintWriter(printed));
        exit = cl.execute("status", "--config", config.toString());
      } while (exit != 0 && System.nanoTime() < deadline && sleep(500));
      assertEquals(0, exit, printed.toString());
      for (String app : List.of("correlate", "ingest", "alarms")) {
        assertTrue(printed.toString().matches("(?s).*" + app + " +Available +1 instance.*"), printed.toString());
      }
    }
  }

  private static boolean sleep(long ms) throws InterruptedException {
    Thread.sleep(ms);
    return true;
  }

  /** A settings file for the CLI: {@code k}'s bootstrap and client properties, the prefix and the registry. */
  private static Path configFile(KafkaClients k, String prefix) throws Exception {
    java.util.Properties p = new java.util.Properties();
    p.put("bootstrap.servers", k.bootstrapServers());
    p.put("topic.prefix", prefix);
    p.put("registry.url", SharedServers.registryUrl());
    k.properties().forEach((key, v) -> p.put("kafka." + key, v));
    Path file = Files.createTempFile(dir, "cli", ".properties");
    try (var out = Files.newOutputStream(file)) {
      p.store(out, null);
    }
    return file;
  }

  /** The committed events of {@code topics} whose ids start with {@code ids}, read as the super user. */
  private static List<NormalizedEvent> events(Topics topics, String ids, int n, Duration timeout) {
    List<NormalizedEvent> out = new ArrayList<>();
    Map<String, Object> c = new HashMap<>(kafka.adminConfig());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topics.events.name(), 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          NormalizedEvent e = r.value() == null ? null
              : topics.events.valueSerde().deserializer().deserialize(r.topic(), r.value());
          if (e != null && e.getEventId().startsWith(ids)) {
            out.add(e);
          }
        }
      }
    }
    assertEquals(n, out.size(), "events " + ids + "* on " + topics.events.name());
    return out;
  }

  @Test
  void aWrongPasswordStopsTheAppAtOnceNamingMechanismAndUser() throws Exception {
    String prefix = "bad.";
    scramUser("bad-ingest", AppAcls.Role.INGEST, prefix);
    KafkaClients wrong = new KafkaClients(kafka.bootstrapServers(), kafka.saslClient("bad-ingest", "not-it"));
    long t0 = System.nanoTime();
    var e = assertThrows(AccessCheck.AccessDeniedException.class, () -> Apps.ingest(common(wrong, prefix),
        "127.0.0.1", -1, new SimpleMeterRegistry()));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 10_000, ms + " ms");
    assertTrue(e.getMessage().contains("Kafka refused the login of SCRAM-SHA-512 user bad-ingest"), e.getMessage());
    assertTrue(e.getMessage().contains("invalid credentials"), e.getMessage());
    assertTrue(!e.getMessage().contains("not-it"), "no password in " + e.getMessage());
  }

  @Test
  void oneMissingAclStopsTheAppAtOnceNamingIt() throws Exception {
    String prefix = "partial.";
    Topics topics = new Topics(prefix, new SchemaRegistryClient(SharedServers.registryUrl()));
    StreamsApps.createTopics(common(scramUser("partial-admin", AppAcls.Role.ADMIN, prefix), prefix),
        topics.all());
    // each time one grant fewer than `ksiem acls` gives: a topic's, a group's, the transactional ids'
    record Case(AppAcls.Role role, ResourceType type, String resource, String operation, String expected) {
    }
    for (Case c : List.of(
        new Case(AppAcls.Role.CORRELATE, ResourceType.TOPIC, prefix + "alarm-events", "WRITE",
            "WRITE on topic partial.alarm-events"),
        new Case(AppAcls.Role.ALARMS, ResourceType.GROUP, "partial-alarms", "READ", "READ on group partial-alarms"),
        new Case(AppAcls.Role.CORRELATE, ResourceType.TRANSACTIONAL_ID, "partial-correlate-", "WRITE",
            "WRITE on transactional ids partial-correlate-*"),
        new Case(AppAcls.Role.CORRELATE, ResourceType.TOPIC, "partial-correlate-", "CREATE",
            "CREATE on topics partial-correlate-* (Kafka Streams' internal topics)"))) {
      String user = "partial-" + c.role().shortName() + "-" + c.operation().toLowerCase() + "-"
          + Math.abs(c.resource().hashCode());
      String password = UUID.randomUUID().toString();
      kafka.addScramUser(user, password);
      try (Admin admin = Admin.create(kafka.adminConfig())) {
        List<AclBinding> all = AppAcls.bindings(c.role(), "User:" + user, prefix);
        List<AclBinding> fewer = all.stream().filter(b -> !(b.pattern().resourceType() == c.type()
            && b.pattern().name().equals(c.resource()) && b.entry().operation().name().equals(c.operation())))
            .toList();
        assertEquals(all.size() - 1, fewer.size(), c.toString());
        admin.createAcls(fewer).all().get();
      }
      StreamsApps.Common common = common(new KafkaClients(kafka.bootstrapServers(),
          kafka.saslClient(user, password)), prefix);
      long t0 = System.nanoTime();
      var e = assertThrows(AccessCheck.AccessDeniedException.class, () -> {
        if (c.role() == AppAcls.Role.ALARMS) {
          // the check comes first: no Elasticsearch is asked
          Apps.alarms(common, "http://127.0.0.1:9", false, 10, new SimpleMeterRegistry()).close();
        } else {
          Apps.correlate(common, 1, 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30),
              io.ksiem.event.TimeBounds.defaults(), io.ksiem.backlog.CorrelationOptions.defaults(), Map.of(),
              64L << 20).close();
        }
      }, c.toString());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 10_000, ms + " ms");
      assertTrue(e.getMessage().contains("SCRAM-SHA-512 user " + user + " (SASL_SSL) is not authorized for "
          + c.expected() + "."), e.getMessage());
    }
  }
}
