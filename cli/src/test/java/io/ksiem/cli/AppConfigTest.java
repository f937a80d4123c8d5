package io.ksiem.cli;

import io.ksiem.cli.AppConfig.Key;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


class AppConfigTest {
  @Test
  void environmentOverridesTheFileWhichOverridesDefaults() throws Exception {
    Path f = Files.createTempFile("ksiem", ".properties");
    Files.writeString(f, "bootstrap.servers=kafka-1:9092\npartitions=12\n");
    AppConfig c = new AppConfig(f, Map.of("KSIEM_PARTITIONS", "24"));
    assertEquals("kafka-1:9092", c.get(Key.BOOTSTRAP_SERVERS));
    assertEquals(24, c.integer(Key.PARTITIONS));
    assertEquals("ksiem.", c.get(Key.TOPIC_PREFIX));
  }

  /**
   * Any Kafka client property: {@code kafka.} keys of the file, {@code KSIEM_KAFKA_} variables winning; they reach
   * every client's configuration, where the app's own guarantees still win; secrets are hidden when shown.
   */
  /** A credential from a value or a file (a mounted Secret, its final line break dropped), never both. */
  @Test
  void credentialsComeFromAValueOrAFileNeverBoth() throws Exception {
    Path secret = Files.createTempFile("ksiem", ".secret");
    Files.writeString(secret, "s3cret\n");
    AppConfig fromFile = new AppConfig(null, Map.of("KSIEM_REGISTRY_USER", "ksiem",
        "KSIEM_REGISTRY_PASSWORD_FILE", secret.toString()));
    assertEquals("s3cret", fromFile.secret(Key.REGISTRY_PASSWORD, Key.REGISTRY_PASSWORD_FILE));
    assertEquals("s3cret", new AppConfig(null, Map.of("KSIEM_REGISTRY_PASSWORD", "s3cret"))
        .secret(Key.REGISTRY_PASSWORD, Key.REGISTRY_PASSWORD_FILE));
    assertEquals(null, new AppConfig(null, Map.of()).secret(Key.REGISTRY_PASSWORD, Key.REGISTRY_PASSWORD_FILE));
    var both = assertThrows(IllegalArgumentException.class, () -> new AppConfig(null, Map.of(
        "KSIEM_REGISTRY_PASSWORD", "s3cret", "KSIEM_REGISTRY_PASSWORD_FILE", secret.toString()))
        .secret(Key.REGISTRY_PASSWORD, Key.REGISTRY_PASSWORD_FILE));
    assertTrue(both.getMessage().contains("not both") && !both.getMessage().contains("s3cret"), both.getMessage());
    var missing = assertThrows(IllegalArgumentException.class, () -> new AppConfig(null, Map.of(
        "KSIEM_REGISTRY_PASSWORD_FILE", secret + ".absent")).secret(Key.REGISTRY_PASSWORD, Key.REGISTRY_PASSWORD_FILE));
    assertTrue(missing.getMessage().contains(".absent"), missing.getMessage());
    // the registry client gets them as a basic Authorization header, shown by name only
    assertEquals("RegistryAccess[Basic credentials]", fromFile.registryAccess().toString());
  }

  @Test
  void kafkaClientPropertiesComeFromTheFileAndTheEnvironment() throws Exception {
    Path f = Files.createTempFile("ksiem", ".properties");
    Files.writeString(f, "bootstrap.servers=kafka-1:9093\nkafka.security.protocol=SASL_SSL\n"
        + "kafka.sasl.mechanism=SCRAM-SHA-512\nkafka.ssl.truststore.location=/etc/ksiem/ca.p12\n"
        + "kafka.config.providers=file\nkafka.config.providers.file.class="
        + "org.apache.kafka.common.config.provider.FileConfigProvider\n");
    AppConfig c = new AppConfig(f, Map.of("KSIEM_KAFKA_SASL_JAAS_CONFIG", "${file:/run/secrets/kafka:jaas}",
        "KSIEM_KAFKA_SASL_MECHANISM", "PLAIN", "KSIEM_KAFKA_LOG_LEVEL", "INFO"));
    var kafka = c.kafka();
    assertEquals("kafka-1:9093", kafka.bootstrapServers());
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN", "ssl.truststore.location",
        "/etc/ksiem/ca.p12", "sasl.jaas.config", "${file:/run/secrets/kafka:jaas}", "config.providers", "file",
        "config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider"),
        kafka.properties(), "KSIEM_KAFKA_LOG_LEVEL is the log level, not a client property");
    Map<String, Object> consumer = kafka.config(Map.of("isolation.level", "read_committed"));
    assertEquals("SASL_SSL", consumer.get("security.protocol"));
    assertEquals("kafka-1:9093", consumer.get("bootstrap.servers"));
    assertEquals("read_committed", kafka.config(Map.of("isolation.level", "read_committed")).get("isolation.level"));
    assertEquals("read_committed", new io.ksiem.runtime.KafkaClients("k:9092",
        Map.of("isolation.level", "read_uncommitted")).config(Map.of("isolation.level", "read_committed"))
        .get("isolation.level"), "the app's own settings win");
    assertTrue(!kafka.toString().contains("run/secrets") && kafka.toString().contains("[hidden]"), kafka.toString());
    // every app gets them through the common settings, Kafka Streams' clients too
    var streams = io.ksiem.runtime.StreamsApps.properties(c.common(), io.ksiem.runtime.App.CORRELATE, "x",
        c.topics());
    assertEquals("SASL_SSL", streams.get("security.protocol"));
    assertEquals("exactly_once_v2", streams.get("processing.guarantee"));
  }

  @Test
  void rackTagsAreKeyValuePairsAndAnythingElseIsRefused() throws Exception {
    AppConfig c = new AppConfig(null, Map.of("KSIEM_RACK_TAGS", "zone=eu-1a, node=n7"));
    assertEquals(Map.of("zone", "eu-1a", "node", "n7"), c.rackTags());
    assertEquals(Map.of(), new AppConfig(null, Map.of()).rackTags());
    // a zone label the node lacks, and a node name longer than Kafka takes
    String node = "gke-prod-cluster-default-pool-1a2b3c4d-x7k9";
    Map<String, String> k8s = new AppConfig(null, Map.of("KSIEM_RACK_TAGS", "zone=,node=" + node)).rackTags();
    assertEquals(java.util.Set.of("node"), k8s.keySet());
    assertEquals(30, k8s.get("node").length());
    assertTrue(k8s.get("node").startsWith(node.substring(0, 21)), k8s.toString());
    assertTrue(!k8s.get("node").equals(new AppConfig(null, Map.of("KSIEM_RACK_TAGS", "node=" + node.replace('9', '8')))
        .rackTags().get("node")), "two long names stay apart");
    for (String bad : new String[] {"zone", "=a", "zone=a,zone=b", "a=1,b=2,c=3,d=4,e=5,f=6",
        "a-key-longer-than-twenty=1"}) {
      var e = assertThrows(IllegalArgumentException.class,
          () -> new AppConfig(null, Map.of("KSIEM_RACK_TAGS", bad)).rackTags(), bad);
      assertTrue(e.getMessage().startsWith("rack.tags"), e.getMessage());
    }
  }

  @Test
  void theOpsPortAnswersLiveReadyAndMetricsApart() throws Exception {
    java.util.concurrent.atomic.AtomicBoolean live = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicBoolean ready = new java.util.concurrent.atomic.AtomicBoolean(false);
    try (io.ksiem.runtime.AppMetrics metrics = new io.ksiem.runtime.AppMetrics();
        io.ksiem.runtime.OpsEndpoint h = new io.ksiem.runtime.OpsEndpoint("127.0.0.1", 0,
            new io.ksiem.runtime.OpsEndpoint.Probes(live::get, ready::get), metrics)) {
      io.micrometer.core.instrument.Counter.builder("ksiem.test.records").register(metrics.registry()).increment(3);
      var http = java.net.http.HttpClient.newHttpClient();
      java.util.function.Function<String, java.net.http.HttpResponse<String>> get = path -> {
        try {
          return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + h.port()
              + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      };
      assertEquals(200, get.apply("/health/live").statusCode());
      assertEquals(200, get.apply("/health").statusCode(), "as live, for older probes");
      assertEquals(503, get.apply("/health/ready").statusCode(), "restoring, say");
      ready.set(true);
      assertEquals(200, get.apply("/health/ready").statusCode());
      live.set(false);
      assertEquals(503, get.apply("/health/live").statusCode());
      assertEquals(503, get.apply("/health").statusCode());
      var m = get.apply("/metrics");
      assertEquals(200, m.statusCode());
      assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
      assertTrue(m.body().contains("ksiem_test_records_total 3.0"), m.body());
      assertTrue(m.body().contains("jvm_memory_used_bytes{"), "JVM metrics");
      assertEquals(404, get.apply("/nothing").statusCode());
    }
  }

  @Test
  void aMistypedSettingIsAnErrorNamingIt() throws Exception {
    Path f = Files.createTempFile("ksiem", ".properties");
    Files.writeString(f, "bootstrap.server=kafka-1:9092\n");
    var e = assertThrows(IllegalArgumentException.class, () -> new AppConfig(f, Map.of()));
    assertTrue(e.getMessage().contains("bootstrap.server"), e.getMessage());
    AppConfig c = new AppConfig(null, Map.of("KSIEM_EXACTLY_ONCE", "yes"));
    var b = assertThrows(IllegalArgumentException.class, () -> c.bool(Key.EXACTLY_ONCE));
    assertTrue(b.getMessage().contains("KSIEM_EXACTLY_ONCE"), b.getMessage());
  }

  @Test
  void dsiemCorrelationOptionsReachTheEngineWithDsiemsChecks() throws Exception {
    AppConfig c = new AppConfig(null, Map.of("KSIEM_MED_RISK_MIN", "2", "KSIEM_MED_RISK_MAX", "8",
        "KSIEM_ALARM_TAG", "Valid Threat", "KSIEM_MIN_ALARM_LIFETIME", "5"));
    assertEquals(new io.ksiem.backlog.CorrelationOptions(2, 8, "Open", "Valid Threat", 5), c.correlationOptions());
    var e = assertThrows(IllegalArgumentException.class,
        () -> new AppConfig(null, Map.of("KSIEM_MED_RISK_MIN", "6")).correlationOptions());
    assertTrue(e.getMessage().contains("must differ"), e.getMessage());
  }

  @Test
  void mappingFilesAddSourcesAndReplaceBuiltInOnes() throws Exception {
    Path dir = Files.createTempDirectory("mappings");
    String openssh;
    try (var in = io.ksiem.ingest.Mapping.class.getResourceAsStream("/mappings/openssh.json")) {
      openssh = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Files.writeString(dir.resolve("myapp.json"), openssh.replaceFirst("\"source\": *\"openssh\"",
        "\"source\": \"myapp\""));
    Files.writeString(dir.resolve("suricata.json"), openssh.replaceFirst("\"source\": *\"openssh\"",
        "\"source\": \"suricata\""));
    AppConfig c = new AppConfig(null, Map.of("KSIEM_MAPPINGS", dir.toString()));
    var sources = c.sources();
    assertEquals(java.util.List.of("dsiem", "suricata", "openssh", "myapp"),
        sources.stream().map(io.ksiem.ingest.Normalizer::source).toList());
    byte[] sshd = ("{\"@timestamp\":\"2026-01-05T10:20:00Z\",\"message\":\"sshd[1]: Failed password for root "
        + "from 203.0.113.50 port 40100 ssh2\",\"host\":{\"name\":\"b\",\"ip\":[\"10.10.2.20\"]}}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i : new int[] {1, 3}) {
      assertEquals("203.0.113.50", sources.get(i).normalize(sshd, "t/0/0").event().srcIp,
          sources.get(i).source() + " reads sshd lines: the file replaced the built-in suricata mapping");
    }
    Files.writeString(dir.resolve("broken.json"), "{\"source\": \"x\"}");
    var e = assertThrows(io.ksiem.ingest.Mapping.InvalidMappingException.class, c::sources);
    assertTrue(e.getMessage().contains("broken.json"), e.getMessage());
  }

  /** docs/settings.md lists every setting as the code has it. */
  @Test
  void theSettingsReferenceIsCurrent() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "settings.md"));
    assertTrue(doc.contains(AppConfig.reference()), "docs/settings.md is stale; its table must be:\n"
        + AppConfig.reference());
  }
}
