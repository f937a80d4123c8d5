package io.ksiem.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.ksiem.cli.AppConfig;
import io.ksiem.cli.KibanaCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;


/**
 * What users deploy with, checked without a container engine or a cluster: the compose file as Docker Compose reads
 * it, the Kubernetes manifests as kustomize renders them against the Kubernetes API models, the Kibana objects
 * against the index templates, and every KSIEM_ variable against the settings reference.
 */
class DeploymentTest {
  static final Path ROOT = Path.of("..");
  static final ObjectMapper JSON = new ObjectMapper();
  static final YAMLMapper YAML = new YAMLMapper();
  static final Pattern KSIEM_VAR = Pattern.compile("\\bKSIEM_[A-Z0-9_]+\\b");

  /** Runs a command in the repository root; its standard output, or the test fails with what it printed. */
  static String run(String... command) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new AssertionError(command[0] + " is not installed (Debian: apt-get install "
          + (command[0].equals("promtool") ? "prometheus" : command[0]) + "; .ci/run installs it): " + e.getMessage());
    }
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), String.join(" ", command) + " hangs");
    assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + err + new String(out,
        StandardCharsets.UTF_8));
    return new String(out, StandardCharsets.UTF_8);
  }

  static List<JsonNode> yamlDocuments(String yaml) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).readValues(new YAMLFactory().createParser(yaml))) {
      while (it.hasNext()) {
        JsonNode n = (JsonNode) it.next();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          docs.add(n);
        }
      }
    }
    return docs;
  }

  /** The environment names of every setting, as docs/settings.md lists them. */
  static Set<String> settingVariables() {
    return Stream.of(AppConfig.Key.values()).map(AppConfig.Key::env).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * Kafka client properties that {@code KSIEM_KAFKA_<PROPERTY>} variables may set: those of the producer, consumer,
   * admin and Streams configs, and config providers' own ({@code config.providers.<name>.class}).
   */
  static boolean kafkaClientProperty(String variable) {
    String p = variable.substring("KSIEM_KAFKA_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.');
    return org.apache.kafka.clients.producer.ProducerConfig.configNames().contains(p)
        || org.apache.kafka.clients.consumer.ConsumerConfig.configNames().contains(p)
        || org.apache.kafka.clients.admin.AdminClientConfig.configNames().contains(p)
        || org.apache.kafka.streams.StreamsConfig.configDef().names().contains(p)
        || p.matches("config\\.providers\\.[a-z0-9]+\\.(class|param\\.[a-z0-9.]+)");
  }

  static void assertKnownVariables(String where, String text) {
    Set<String> unknown = new TreeSet<>();
    Matcher m = KSIEM_VAR.matcher(text);
    while (m.find()) {
      String v = m.group();
      if (!settingVariables().contains(v) && !(v.startsWith("KSIEM_KAFKA_") && kafkaClientProperty(v))) {
        unknown.add(v);
      }
    }
    assertEquals(Set.of(), unknown, where + " sets variables that no app reads (docs/settings.md)");
  }

  @Test
  void theComposeFileParsesAndRunsTheClusterTheDocsDescribe() throws Exception {
    run("docker-compose", "-f", "docker-compose.yml", "config", "-q");
    JsonNode compose = YAML.readTree(run("docker-compose", "-f", "docker-compose.yml", "config"));
    JsonNode services = compose.path("services");
    List<String> names = new ArrayList<>();
    services.fieldNames().forEachRemaining(names::add);
    assertEquals(3, names.stream().filter(n -> n.startsWith("kafka")).count(), "three brokers: " + names);
    assertEquals(2, names.stream().filter(n -> n.startsWith("ingest")).count(), "two ingest instances: " + names);
    assertEquals(3, names.stream().filter(n -> n.startsWith("correlate")).count(), "three correlate: " + names);
    assertEquals(1, names.stream().filter(n -> n.startsWith("alarms")).count(), "one alarms instance: " + names);
    for (String n : names) {
      if (n.startsWith("correlate")) {
        JsonNode s = services.get(n);
        assertFalse(s.path("volumes").isEmpty(), n + " keeps its state on a volume");
        assertEquals("1", s.path("environment").path("KSIEM_STANDBY_REPLICAS").asText(), n + " standbys");
      }
      if (n.startsWith("kafka")) {
        assertEquals("2", services.get(n).path("environment").path("KAFKA_MIN_INSYNC_REPLICAS").asText(),
            n + " min.insync.replicas");
      }
    }
    assertKnownVariables("docker-compose.yml", YAML.writeValueAsString(compose));
    // Elasticsearch with security on, the sink on TLS with its API key from the setup job's volume
    JsonNode es = services.path("elasticsearch").path("environment");
    assertEquals("true", es.path("xpack.security.enabled").asText(), "Elasticsearch security");
    assertEquals("true", es.path("xpack.security.http.ssl.enabled").asText(), "TLS on Elasticsearch's HTTP");
    JsonNode alarms = services.path("alarms-1").path("environment");
    assertTrue(alarms.path("KSIEM_ELASTICSEARCH_URL").asText().startsWith("https://"), "the sink uses TLS");
    assertFalse(alarms.path("KSIEM_ELASTICSEARCH_CA_FILE").asText().isEmpty(), "the sink trusts the made CA");
    assertFalse(alarms.path("KSIEM_ELASTICSEARCH_API_KEY_FILE").asText().isEmpty(), "the sink's API key file");
    assertTrue(services.path("es-setup").path("command").toString().contains("/_security/api_key"),
        "the setup job makes the sink's API key");
    assertEquals("service_completed_successfully", services.path("alarms-1").path("depends_on").path("es-setup")
        .path("condition").asText(), "the sink starts once its key is made");
    // credentials only as files: no setting of a secret's value
    for (String n : names) {
      services.get(n).path("environment").fieldNames().forEachRemaining(k -> assertFalse(
          k.matches("KSIEM_.*(PASSWORD|TOKEN|API_KEY)") || k.equals("ELASTIC_PASSWORD"),
          n + " sets the credential " + k + " in the compose file instead of a file"));
    }
  }

  /** The model class of the Kubernetes Java client for an object: apps/v1 StatefulSet is V1StatefulSet. */
  static Class<?> model(String apiVersion, String kind) {
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    String name = "io.kubernetes.client.openapi.models." + Character.toUpperCase(version.charAt(0))
        + version.substring(1) + kind;
    try {
      return Class.forName(name);
    } catch (ClassNotFoundException e) {
      return null;
    }
  }

  /** Strimzi's KafkaTopic spec (its CRD): the fields there are. */
  static final Set<String> KAFKA_TOPIC_SPEC = Set.of("partitions", "replicas", "config", "topicName");
  /** Strimzi's KafkaUser spec (its CRD, v1beta2): the fields there are. */
  static final Set<String> KAFKA_USER_SPEC = Set.of("authentication", "authorization", "quotas", "template");

  static void validate(String where, JsonNode o) throws Exception {
    String apiVersion = o.path("apiVersion").asText();
    String kind = o.path("kind").asText();
    String what = where + ": " + kind + " " + o.path("metadata").path("name").asText();
    com.google.gson.JsonElement gson = com.google.gson.JsonParser.parseString(JSON.writeValueAsString(o));
    if (apiVersion.equals("kafka.strimzi.io/v1beta2") && kind.equals("KafkaTopic")) {
      io.kubernetes.client.openapi.models.V1ObjectMeta.validateJsonElement(
          gson.getAsJsonObject().get("metadata"));
      Set<String> fields = new TreeSet<>();
      o.path("spec").fieldNames().forEachRemaining(fields::add);
      fields.removeAll(KAFKA_TOPIC_SPEC);
      assertEquals(Set.of(), fields, what + ": fields not in Strimzi's KafkaTopic spec");
      Set<String> configs = new TreeSet<>();
      o.path("spec").path("config").fieldNames().forEachRemaining(configs::add);
      configs.removeAll(org.apache.kafka.storage.internals.log.LogConfig.configNames());
      assertEquals(Set.of(), configs, what + ": not Kafka topic configs");
      return;
    }
    if (apiVersion.equals("kafka.strimzi.io/v1beta2") && kind.equals("KafkaUser")) {
      io.kubernetes.client.openapi.models.V1ObjectMeta.validateJsonElement(
          gson.getAsJsonObject().get("metadata"));
      Set<String> fields = new TreeSet<>();
      o.path("spec").fieldNames().forEachRemaining(fields::add);
      fields.removeAll(KAFKA_USER_SPEC);
      assertEquals(Set.of(), fields, what + ": fields not in Strimzi's KafkaUser spec");
      assertTrue(Set.of("tls", "tls-external", "scram-sha-512").contains(o.path("spec").path("authentication")
          .path("type").asText()), what + ": an authentication type Strimzi knows");
      for (JsonNode acl : o.path("spec").path("authorization").path("acls")) {
        assertTrue(Set.of("topic", "group", "cluster", "transactionalId").contains(acl.path("resource").path("type")
            .asText()), what + ": resource type of " + acl);
        for (JsonNode op : acl.path("operations")) {
          assertTrue(Set.of("Read", "Write", "Create", "Delete", "Alter", "Describe", "ClusterAction",
              "AlterConfigs", "DescribeConfigs", "IdempotentWrite", "All").contains(op.asText()),
              what + ": operation " + op);
        }
      }
      return;
    }
    Class<?> model = model(apiVersion, kind);
    if (model == null) {
      fail(what + ": no Kubernetes 1.32 API schema for " + apiVersion + " " + kind);
    }
    try {
      model.getMethod("validateJsonElement", com.google.gson.JsonElement.class).invoke(null, gson);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw new AssertionError(what + " does not match the Kubernetes API: " + e.getCause().getMessage(),
          e.getCause());
    }
  }

  @Test
  void everyKubernetesManifestValidatesAgainstTheKubernetesApi() throws Exception {
    Set<String> kinds = new TreeSet<>();
    for (String dir : List.of("k8s/base", "k8s/overlays/small")) {
      String rendered = run("kubectl", "kustomize", dir);
      List<JsonNode> objects = yamlDocuments(rendered);
      assertFalse(objects.isEmpty(), dir + " renders nothing");
      for (JsonNode o : objects) {
        validate(dir, o);
        kinds.add(dir + " " + o.path("kind").asText());
      }
      assertKnownVariables(dir, rendered);
      JsonNode correlate = objects.stream().filter(o -> o.path("kind").asText().equals("StatefulSet"))
          .findFirst().orElseThrow(() -> new AssertionError(dir + ": correlate is a StatefulSet"));
      assertFalse(correlate.path("spec").path("volumeClaimTemplates").isEmpty(), "a volume per correlate pod");
      assertTrue(rendered.contains("KSIEM_STANDBY_REPLICAS") && rendered.contains("KSIEM_RACK_TAGS"),
          dir + ": standbys and rack tags set");
    }
    for (String k : List.of("StatefulSet", "PodDisruptionBudget", "Deployment", "HorizontalPodAutoscaler",
        "ConfigMap", "Secret", "Service", "Job")) {
      assertTrue(kinds.contains("k8s/base " + k), "k8s/base has a " + k + ": " + kinds);
    }
    assertTrue(kinds.contains("k8s/overlays/small KafkaTopic"), "the small overlay has Strimzi topics: " + kinds);
    assertTrue(kinds.contains("k8s/overlays/small KafkaUser"), "the small overlay has Strimzi users: " + kinds);
    // in the small overlay every workload reaches Kafka over TLS as a KafkaUser of its own, from mounted Secrets
    List<JsonNode> small = yamlDocuments(run("kubectl", "kustomize", "k8s/overlays/small"));
    Set<String> users = new TreeSet<>();
    small.stream().filter(o -> o.path("kind").asText().equals("KafkaUser"))
        .forEach(o -> users.add(o.path("metadata").path("name").asText()));
    Set<String> mounted = new TreeSet<>();
    for (JsonNode o : small) {
      if (Set.of("Deployment", "StatefulSet", "Job").contains(o.path("kind").asText())) {
        String secret = null;
        for (JsonNode v : o.path("spec").path("template").path("spec").path("volumes")) {
          if (v.path("name").asText().equals("kafka-user")) {
            secret = v.path("secret").path("secretName").asText();
          }
        }
        assertTrue(users.contains(secret), o.path("metadata").path("name").asText() + " mounts the Secret of a "
            + "KafkaUser, not " + secret + " (users: " + users + ")");
        mounted.add(secret);
      }
    }
    assertEquals(users, mounted, "every KafkaUser is some workload's, and no two workloads share one");
    JsonNode settings = small.stream().filter(o -> o.path("kind").asText().equals("ConfigMap")).findFirst()
        .orElseThrow().path("data");
    assertEquals("SASL_SSL", settings.path("KSIEM_KAFKA_SECURITY_PROTOCOL").asText(), "Kafka over TLS");
    assertTrue(settings.path("KSIEM_KAFKA_SASL_JAAS_CONFIG").asText().startsWith("${dir:/run/secrets/kafka-user:"),
        "the JAAS line from the mounted Secret, not inline: " + settings);
  }

  /**
   * Monitoring as shipped: promtool accepts the compose Prometheus' configuration and alerts; it scrapes every app
   * service of the compose file on its HTTP port; the ServiceMonitor selects every app's Service by a label they
   * carry, on a port they name; and every probe of the apps asks /health/live or /health/ready. (That the dashboard
   * and alerts ask for metrics the apps expose is checked on real scrapes, in PipelineTest.)
   */
  @Test
  void theAppsAreScrapedAndProbedAsTheOperationsPageSays() throws Exception {
    run("promtool", "check", "config", "monitoring/prometheus/prometheus.yml");
    run("promtool", "check", "rules", "monitoring/prometheus/alerts.yml");
    JsonNode prometheus = YAML.readTree(ROOT.resolve("monitoring/prometheus/prometheus.yml").toFile());
    Set<String> scraped = new TreeSet<>();
    for (JsonNode job : prometheus.path("scrape_configs")) {
      for (JsonNode c : job.path("static_configs")) {
        c.path("targets").forEach(t -> scraped.add(t.asText()));
      }
    }
    JsonNode compose = YAML.readTree(run("docker-compose", "-f", "docker-compose.yml", "config"));
    Set<String> apps = new TreeSet<>();
    compose.path("services").fieldNames().forEachRemaining(n -> {
      if (n.matches("(ingest|correlate|alarms)-\\d+")) {
        apps.add(n + ":" + compose.path("services").path(n).path("environment").path("KSIEM_HTTP_PORT").asText());
      }
    });
    assertEquals(apps, scraped, "Prometheus scrapes every app instance of the compose file on its http.port");
    assertTrue(compose.path("services").path("prometheus").path("volumes").toString()
        .contains("monitoring/prometheus"), "the compose Prometheus mounts monitoring/prometheus");

    List<JsonNode> monitors = yamlDocuments(run("kubectl", "kustomize", "k8s/monitoring"));
    assertEquals(1, monitors.size());
    JsonNode sm = monitors.get(0);
    assertEquals("ServiceMonitor", sm.path("kind").asText());
    JsonNode selector = sm.path("spec").path("selector").path("matchLabels");
    String port = sm.path("spec").path("endpoints").get(0).path("port").asText();
    assertEquals("/metrics", sm.path("spec").path("endpoints").get(0).path("path").asText());
    Set<String> selected = new TreeSet<>();
    for (JsonNode o : yamlDocuments(run("kubectl", "kustomize", "k8s/base"))) {
      String kind = o.path("kind").asText();
      if (kind.equals("Service")) {
        boolean matches = true;
        for (var it = selector.fields(); it.hasNext();) {
          var e = it.next();
          matches &= e.getValue().asText().equals(o.path("metadata").path("labels").path(e.getKey()).asText());
        }
        boolean named = false;
        for (JsonNode p : o.path("spec").path("ports")) {
          named |= p.path("name").asText().equals(port);
        }
        if (matches && named) {
          selected.add(o.path("metadata").path("name").asText());
        }
      }
      if (Set.of("Deployment", "StatefulSet").contains(kind)) {
        for (JsonNode c : o.path("spec").path("template").path("spec").path("containers")) {
          assertEquals("/health/ready", c.path("readinessProbe").path("httpGet").path("path").asText(),
              o.path("metadata").path("name").asText() + " readiness");
          assertEquals("/health/live", c.path("livenessProbe").path("httpGet").path("path").asText(),
              o.path("metadata").path("name").asText() + " liveness");
        }
      }
    }
    assertEquals(Set.of("alarms", "correlate", "ingest"), selected, "the ServiceMonitor scrapes every app");
  }

  /** The Strimzi topics are the topics the code declares, with the same cleanup and retention. */
  @Test
  void theStrimziTopicsAreTheTopicsTheAppsDeclare() throws Exception {
    io.ksiem.schemas.topic.Topics code = new io.ksiem.schemas.topic.Topics("ksiem.",
        new io.ksiem.schemas.registry.SchemaRegistryClient("http://unused"));
    java.util.Map<String, io.ksiem.schemas.topic.Topic<?, ?>> declared = new java.util.HashMap<>();
    code.all().forEach(t -> declared.put(t.name(), t));
    for (var source : io.ksiem.ingest.IngestApp.builtInSources()) {
      declared.put(code.raw(source.source()).name(), code.raw(source.source()));
    }
    Set<String> seen = new TreeSet<>();
    for (JsonNode o : yamlDocuments(run("kubectl", "kustomize", "k8s/strimzi"))) {
      if (!o.path("kind").asText().equals("KafkaTopic")) {
        continue;
      }
      String name = o.path("spec").path("topicName").asText();
      var t = declared.get(name);
      assertTrue(t != null, name + " is no topic of the apps: " + declared.keySet());
      seen.add(name);
      t.config().forEach((k, v) -> assertEquals(v, o.path("spec").path("config").path(k).asText(),
          name + " " + k));
    }
    assertEquals(new TreeSet<>(declared.keySet()), seen, "every topic of the apps has a KafkaTopic");
  }

  /** The index template behind a data view title: siem_alarm_events-* is siem_alarm_events. */
  static Set<String> fieldsOf(String title) throws IOException {
    return templateFields(title.replace("-*", ""));
  }

  static final Pattern URL_INDEX = Pattern.compile("index:'([^']+)'");
  static final Pattern URL_COLUMNS = Pattern.compile("columns:!\\(([^)]*)\\)");
  static final Pattern URL_QUERY_FIELD = Pattern.compile("query:'([^:']+):");
  static final Pattern URL_SORT = Pattern.compile("sort:!\\(!\\(([^,]+),");

  @Test
  void theKibanaObjectsNameOnlyFieldsTheIndexTemplatesDefine() throws Exception {
    java.util.Map<String, JsonNode> objects = new java.util.LinkedHashMap<>();
    for (String line : Files.readAllLines(ROOT.resolve("kibana/ksiem-dashboards.ndjson"))) {
      if (!line.isBlank()) {
        JsonNode o = JSON.readTree(line);
        objects.put(o.get("id").asText(), o);
      }
    }
    java.util.Map<String, String> titles = new java.util.HashMap<>();
    objects.values().stream().filter(o -> o.get("type").asText().equals("index-pattern"))
        .forEach(o -> titles.put(o.get("id").asText(), o.path("attributes").path("title").asText()));
    assertEquals(Set.of("siem_alarms", "siem_alarm_events-*", "siem_events-*"), new TreeSet<>(titles.values()),
        "data views over dsiem's index names");
    List<String> wrong = new ArrayList<>();
    java.util.function.BiConsumer<String, String> check = (dataView, field) -> {
      try {
        String f = field.replace("'", "").trim();
        if (!fieldsOf(titles.get(dataView)).contains(f)) {
          wrong.add(titles.get(dataView) + ": " + f);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    int fields = 0;
    for (JsonNode o : objects.values()) {
      String id = o.get("id").asText();
      JsonNode a = o.path("attributes");
      java.util.Map<String, String> refs = new java.util.HashMap<>();
      for (JsonNode r : o.path("references")) {
        assertTrue(objects.containsKey(r.get("id").asText()), id + " refers to " + r + ", which is not in the file");
        refs.put(r.get("name").asText(), r.get("id").asText());
      }
      switch (o.get("type").asText()) {
        case "index-pattern" -> {
          check.accept(id, a.path("timeFieldName").asText());
          fields++;
          JsonNode formats = JSON.readTree(a.path("fieldFormatMap").asText("{}"));
          for (Iterator<String> it = formats.fieldNames(); it.hasNext(); fields++) {
            String field = it.next();
            check.accept(id, field);
            String url = formats.get(field).path("params").path("urlTemplate").asText("");
            Matcher index = URL_INDEX.matcher(url);
            if (index.find()) {
              String target = index.group(1);
              assertTrue(titles.containsKey(target), id + ": the link of " + field + " opens " + target);
              List<String> named = new ArrayList<>();
              Matcher c = URL_COLUMNS.matcher(url);
              if (c.find()) {
                named.addAll(List.of(c.group(1).split(",")));
              }
              for (Pattern p : List.of(URL_QUERY_FIELD, URL_SORT)) {
                Matcher m = p.matcher(url);
                assertTrue(m.find(), id + ": the link of " + field + " has " + p);
                named.add(m.group(1));
              }
              named.forEach(n -> check.accept(target, n));
              fields += named.size();
            }
          }
        }
        case "lens" -> {
          JsonNode layers = a.path("state").path("datasourceStates").path("formBased").path("layers");
          assertFalse(layers.isEmpty(), id + " has layers");
          for (Iterator<String> it = layers.fieldNames(); it.hasNext(); ) {
            String layer = it.next();
            String dataView = refs.get("indexpattern-datasource-layer-" + layer);
            assertTrue(titles.containsKey(dataView), id + ": layer " + layer + " has a data view");
            for (JsonNode col : layers.get(layer).path("columns")) {
              for (String f : List.of(col.path("sourceField").asText(""), col.path("params").path("sortField")
                  .asText(""))) {
                if (!f.isEmpty() && !f.equals("___records___")) {
                  check.accept(dataView, f);
                  fields++;
                }
              }
            }
          }
        }
        case "search" -> {
          JsonNode source = JSON.readTree(a.path("kibanaSavedObjectMeta").path("searchSourceJSON").asText());
          String dataView = refs.get(source.path("indexRefName").asText());
          assertTrue(titles.containsKey(dataView), id + " searches a data view");
          for (JsonNode c : a.path("columns")) {
            check.accept(dataView, c.asText());
            fields++;
          }
          for (JsonNode sort : a.path("sort")) {
            check.accept(dataView, sort.get(0).asText());
            fields++;
          }
        }
        case "dashboard" -> {
          for (JsonNode panel : JSON.readTree(a.path("panelsJSON").asText())) {
            String ref = panel.path("panelIndex").asText() + ":" + panel.path("panelRefName").asText();
            assertTrue(refs.containsKey(ref), id + ": panel " + ref + " has a reference");
          }
        }
        default -> fail(id + ": a " + o.get("type") + " object, which this check does not read");
      }
    }
    assertEquals(List.of(), wrong, "fields the index templates do not define");
    assertTrue(fields > 20, "field references read: " + fields);
  }

  @Test
  void theImportCommandPostsTheBundledObjectsAsKibanasImportApiTakesThem() throws Exception {
    byte[] bundled = KibanaCommand.bundled();
    assertEquals(Files.readString(ROOT.resolve("kibana/ksiem-dashboards.ndjson")),
        new String(bundled, StandardCharsets.UTF_8), "the jar ships the file in kibana/");
    var req = KibanaCommand.request("http://kibana:5601/s/soc", bundled);
    assertEquals("http://kibana:5601/s/soc/api/saved_objects/_import?overwrite=true", req.uri().toString());
    assertEquals("true", req.headers().firstValue("kbn-xsrf").orElse(""));
    assertTrue(req.headers().firstValue("Content-Type").orElse("").startsWith("multipart/form-data; boundary="));
    assertTrue(req.headers().firstValue("Authorization").isEmpty(), "no credentials unless given");
    var secured = KibanaCommand.request("https://kibana:5601", bundled, "Basic a3NpZW06cw==");
    assertEquals("Basic a3NpZW06cw==", secured.headers().firstValue("Authorization").orElse(""));
  }

  /** Every field an index template defines, with multi-fields as name.sub: what a Kibana object may name. */
  static Set<String> templateFields(String index) throws IOException {
    Set<String> out = new TreeSet<>();
    try (var in = DeploymentTest.class.getResourceAsStream("/elasticsearch/" + index + ".json")) {
      collect("", JSON.readTree(in).path("template").path("mappings").path("properties"), out);
    }
    return out;
  }

  private static void collect(String prefix, JsonNode properties, Set<String> out) {
    for (Iterator<String> it = properties.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      JsonNode f = properties.get(name);
      out.add(prefix + name);
      collect(prefix + name + ".", f.path("properties"), out);
      f.path("fields").fieldNames().forEachRemaining(sub -> out.add(prefix + name + "." + sub));
    }
  }
}
