package io.ksiem.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.dev.LocalPipeline;
import io.ksiem.elasticsearch.AlarmMerge;
import io.ksiem.elasticsearch.ElasticsearchConnection;
import io.ksiem.replay.Replay;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.Elasticsearch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import static org.junit.jupiter.api.Assertions.assertEquals;


/** Drives a whole pipeline on real servers and compares what reaches Elasticsearch with `ksiem replay`. */
final class PipelineFixture {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path EXAMPLES = Path.of("..", "examples");

  final String bootstrap;
  final String registry;
  final Topics topics;
  final StreamsApps.Common common;

  PipelineFixture(String bootstrap, String registry, String prefix) throws Exception {
    this.bootstrap = bootstrap;
    this.registry = registry;
    this.topics = new Topics(prefix, new SchemaRegistryClient(registry));
    this.common = new StreamsApps.Common(bootstrap, registry, prefix,
        Files.createTempDirectory("ksiem-state").toString(), 1, (short) 1, true);
    // one partition for the events: the order correlate reads is the order replay reads
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> raw = new ArrayList<>();
      for (String s : List.of("dsiem", "suricata", "openssh")) {
        raw.add(new NewTopic(topics.raw(s).name(), 1, (short) 1).configs(topics.raw(s).config()));
      }
      // with the declared settings: a broker default (CreateTime) deletes these old events at its next retention check
      raw.add(new NewTopic(topics.events.name(), 1, (short) 1).configs(topics.events.config()));
      admin.createTopics(raw).all().get();
    }
    DirectivePublisher.Result r = DirectivePublisher.push(bootstrap, topics,
        List.of(EXAMPLES.resolve("directives")), List.of(EXAMPLES.resolve("assets")), ControlRecords.GroupBy.ID,
        64, (short) 1);
    assertEquals(4, r.directives());
  }

  LocalPipeline pipeline(String elasticsearch) throws Exception {
    return pipeline(elasticsearch, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

  /** The three apps with a registry each, as `ksiem ingest|correlate|alarms` run them. */
  LocalPipeline pipeline(String elasticsearch, LocalPipeline.Metrics metrics) throws Exception {
    return new LocalPipeline(new LocalPipeline.Settings(common, sinkConnection(elasticsearch), 4,
        Duration.ofHours(1), 0, true), metrics);
  }

  /** The three apps; the sink writes to {@code elasticsearch} as {@link #sinkConnection} gives. */
  LocalPipeline pipeline(String elasticsearch, io.micrometer.core.instrument.MeterRegistry meters) throws Exception {
    return new LocalPipeline(new LocalPipeline.Settings(common, sinkConnection(elasticsearch), 4,
        Duration.ofHours(1), 0, true), meters);
  }

  /**
   * How the alarms sink reaches the Elasticsearch at {@code url}: a secured one this JVM started (the shared one)
   * as its least-privilege sink user, trusting its CA; any other as an open one.
   */
  static ElasticsearchConnection sinkConnection(String url) {
    return Elasticsearch.runningAt(url).filter(Elasticsearch::secured)
        .map(es -> ElasticsearchConnection.to(url).trustingCaFile(es.caCertificate())
            .withUser(es.sinkUser().name(), es.sinkUser().password()))
        .orElseGet(() -> ElasticsearchConnection.to(url));
  }

  void produceRaw(String source, List<String> lines) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
        "acks", "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (String l : lines) {
        p.send(new ProducerRecord<>(topics.raw(source).name(), l.getBytes(StandardCharsets.UTF_8))).get();
      }
    }
  }

  static List<String> example(String file) throws Exception {
    return Files.readAllLines(EXAMPLES.resolve("raw").resolve(file));
  }

  static int post(int port, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/events")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /**
   * Every committed event of the events topic, in order, once there are at least {@code n}; ingest's idleness
   * declarations between them (docs/time-model.md) are not events.
   */
  List<NormalizedEvent> events(int n, Duration timeout) throws Exception {
    return events("", n, timeout);
  }

  /**
   * The committed events whose id starts with {@code prefix}, in order, once there are {@code n}; other records
   * (hostile ones a test sent, tombstones, declarations) are passed over.
   */
  List<NormalizedEvent> events(String prefix, int n, Duration timeout) throws Exception {
    List<NormalizedEvent> out = new ArrayList<>();
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topics.events.name(), 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          try {
            NormalizedEvent e = r.value() == null ? null
                : topics.events.valueSerde().deserializer().deserialize(r.topic(), r.value());
            if (e != null && e.getEventId().startsWith(prefix)) {
              out.add(e);
            }
          } catch (org.apache.kafka.common.errors.SerializationException notAnEvent) {
            // a hostile record of the test's own
          }
        }
      }
    }
    assertEquals(n, out.size(), "events " + prefix + "* on " + topics.events.name());
    return out;
  }

  /** The first {@code n} committed records of {@code topic} (every partition), waiting for them. */
  List<ConsumerRecord<byte[], byte[]>> read(String topic, int n, Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic, timeout).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  /** What `ksiem replay` gives for these events: alarms by id (merged as the sink merges) and links. */
  record Expected(Map<String, ObjectNode> alarms, List<String> links) {
  }

  Expected replay(List<NormalizedEvent> events) throws Exception {
    return replay(events, EXAMPLES.resolve("directives"), EXAMPLES.resolve("assets"));
  }

  static Expected replay(List<NormalizedEvent> events, Path directives, Path assets) throws Exception {
    Path dir = Files.createTempDirectory("ksiem-replay");
    List<String> lines = new ArrayList<>();
    for (NormalizedEvent e : events) {
      ObjectNode o = JSON.createObjectNode();
      for (var f : e.getSchema().getFields()) {
        Object v = e.get(f.pos());
        if (f.name().equals("received_at") || f.name().equals("source")) {
          continue;
        }
        if (v instanceof Integer i) {
          o.put(f.name(), i);
        } else {
          o.put(f.name(), v.toString());
        }
      }
      lines.add(o.toString());
    }
    Files.write(dir.resolve("events.jsonl"), lines);
    Replay.Request req = new Replay.Request(List.of(directives), List.of(assets), dir.resolve("events.jsonl"), null,
        CorrelationOptions.defaults(), dir.resolve("alarms.jsonl"), dir.resolve("links.jsonl"),
        dir.resolve("rejects.jsonl"));
    Replay.run(req, Replay.load(req));
    assertEquals(0, Files.readAllLines(dir.resolve("rejects.jsonl")).size());
    Map<String, ObjectNode> alarms = new TreeMap<>();
    for (String l : Files.readAllLines(dir.resolve("alarms.jsonl"))) {
      ObjectNode a = (ObjectNode) JSON.readTree(l);
      String id = a.get("alarm_id").asText();
      ObjectNode merged = AlarmMerge.merge(a, alarms.get(id));
      if (merged != null) {
        alarms.put(id, merged);
      }
    }
    List<String> links = new ArrayList<>(Files.readAllLines(dir.resolve("links.jsonl")));
    links.sort(null);
    return new Expected(alarms, links);
  }

  /** Waits until Elasticsearch holds exactly the expected alarms and links, then asserts it. */
  static void assertElasticsearchHolds(String es, Expected expected, Duration timeout) throws Exception {
    assertElasticsearchHolds(es, expected, timeout, "");
  }

  /**
   * The same, over the links of events whose id starts with {@code eventIds} and the alarms those links or the
   * expectation name: what one test run wrote into a shared Elasticsearch.
   */
  static void assertElasticsearchHolds(String es, Expected expected, Duration timeout, String eventIds)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, ObjectNode> alarms = Map.of();
    List<String> links = List.of();
    while (System.nanoTime() < deadline) {
      get(es, "/_refresh");
      links = links(es, eventIds);
      java.util.Set<String> ids = new java.util.HashSet<>(expected.alarms().keySet());
      for (String l : links) {
        ids.add(JSON.readTree(l).get("alarm_id").asText());
      }
      alarms = new TreeMap<>(alarms(es));
      alarms.keySet().retainAll(eventIds.isEmpty() ? alarms.keySet() : ids);
      if (alarms.equals(expected.alarms()) && links.equals(expected.links())) {
        break;
      }
      Thread.sleep(500);
    }
    assertEquals(expected.alarms().keySet(), alarms.keySet(), "alarm ids in siem_alarms");
    for (String id : expected.alarms().keySet()) {
      assertEquals(expected.alarms().get(id), alarms.get(id), "siem_alarms document " + id);
    }
    assertEquals(expected.links(), links, "siem_alarm_events documents");
  }

  static Map<String, ObjectNode> alarms(String es) throws Exception {
    Map<String, ObjectNode> out = new TreeMap<>();
    JsonNode hits = JSON.readTree(get(es, "/siem_alarms/_search?size=10000")).path("hits").path("hits");
    for (JsonNode h : hits) {
      ObjectNode src = (ObjectNode) h.get("_source");
      // added by the sink for dashboards; replay's dsiem-shaped output has no such fields
      src.remove("directive_id");
      JsonNode at = src.remove("@timestamp");
      assertEquals(java.time.Instant.ofEpochSecond(src.path("update_time").asLong()).toString(),
          at == null ? null : at.asText(), "@timestamp of alarm " + h.get("_id").asText());
      // the receive time at intake: replay reads files and has none
      for (JsonNode rule : src.path("rules")) {
        ((ObjectNode) rule).remove("rcvd_time");
      }
      out.put(h.get("_id").asText(), src);
    }
    return out;
  }

  static List<String> links(String es) throws Exception {
    return links(es, "");
  }

  /**
   * The queries of dsiem's shipped Kibana dashboards answer over these documents: terms on the {@code .keyword}
   * subfields and date histograms on {@code @timestamp}, counted here from the expected documents.
   */
  static void assertDsiemDashboardQueriesWork(String es, Expected expected, List<NormalizedEvent> events)
      throws Exception {
    get(es, "/_refresh");
    List<String> fields = List.of("risk_class", "kingdom", "category", "status", "tag", "networks", "title");
    ObjectNode q = JSON.createObjectNode().put("size", 0);
    q.putObject("query").putObject("ids").set("values", JSON.valueToTree(expected.alarms().keySet()));
    ObjectNode aggs = q.putObject("aggs");
    for (String f : fields) {
      aggs.putObject(f).putObject("terms").put("field", f + ".keyword").put("size", 1000);
    }
    aggs.putObject("@timestamp").putObject("date_histogram").put("field", "@timestamp").put("fixed_interval", "1m");
    JsonNode got = JSON.readTree(post(es, "/siem_alarms/_search", "application/json", q.toString()))
        .path("aggregations");
    for (String f : fields) {
      Map<String, Integer> want = new TreeMap<>();
      for (ObjectNode a : expected.alarms().values()) {
        JsonNode v = a.path(f);
        for (JsonNode x : v.isArray() ? v : List.of(v)) {
          if (!x.isMissingNode() && !x.isNull()) {
            want.merge(x.asText(), 1, Integer::sum);
          }
        }
      }
      assertEquals(want, buckets(got.path(f)), "terms on " + f + ".keyword");
    }
    Map<String, Integer> minutes = new TreeMap<>();
    for (ObjectNode a : expected.alarms().values()) {
      long t = a.path("update_time").asLong();
      minutes.merge(java.time.Instant.ofEpochSecond(t - Math.floorMod(t, 60)).toString(), 1, Integer::sum);
    }
    assertEquals(minutes, buckets(got.path("@timestamp")), "alarms per minute of @timestamp");
    // the names dsiem's Logstash stage gave the alarm's times, which its saved searches list
    ObjectNode t = JSON.createObjectNode().put("size", 1000);
    t.putObject("query").putObject("ids").set("values", JSON.valueToTree(expected.alarms().keySet()));
    t.putArray("fields").add("timestamp").add("updated_time");
    t.putArray("sort").addObject().put("updated_time", "desc");
    JsonNode timed = JSON.readTree(post(es, "/siem_alarms/_search", "application/json", t.toString()))
        .path("hits").path("hits");
    assertEquals(expected.alarms().size(), timed.size(), "alarms sorted by updated_time");
    for (JsonNode h : timed) {
      ObjectNode a = expected.alarms().get(h.get("_id").asText());
      assertEquals(a.get("created_time").asText(), h.path("fields").path("timestamp").path(0).asText(),
          "timestamp of " + h.get("_id"));
      assertEquals(a.get("update_time").asText(), h.path("fields").path("updated_time").path(0).asText(),
          "updated_time of " + h.get("_id"));
    }

    Map<String, Integer> perAlarm = new TreeMap<>();
    for (String link : expected.links()) {
      perAlarm.merge(JSON.readTree(link).get("alarm_id").asText(), 1, Integer::sum);
    }
    ObjectNode l = JSON.createObjectNode().put("size", 0);
    l.putObject("query").putObject("terms").set("alarm_id", JSON.valueToTree(perAlarm.keySet()));
    l.putObject("aggs").putObject("alarm").putObject("terms").put("field", "alarm_id.keyword").put("size", 1000);
    assertEquals(perAlarm, buckets(JSON.readTree(post(es, "/siem_alarm_events-*/_search", "application/json",
        l.toString())).path("aggregations").path("alarm")), "links per alarm_id.keyword");

    // events: @timestamp is the event's own time, so a histogram over it matches one over timestamp
    ObjectNode e = JSON.createObjectNode().put("size", 0);
    e.putObject("query").putObject("ids").set("values",
        JSON.valueToTree(events.stream().map(NormalizedEvent::getEventId).toList()));
    ObjectNode ea = e.putObject("aggs");
    ea.putObject("timestamp").putObject("date_histogram").put("field", "timestamp").put("fixed_interval", "1m");
    ea.putObject("@timestamp").putObject("date_histogram").put("field", "@timestamp").put("fixed_interval", "1m");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode ev;
    do {
      get(es, "/_refresh");
      ev = JSON.readTree(post(es, "/siem_events-*/_search", "application/json", e.toString()));
    } while (ev.path("hits").path("total").path("value").asInt() < events.size() && System.nanoTime() < deadline
        && sleep(300));
    assertEquals(events.size(), ev.path("hits").path("total").path("value").asInt(), "events in siem_events-*");
    Map<String, Integer> byTimestamp = buckets(ev.path("aggregations").path("timestamp"));
    assertEquals(events.size(), byTimestamp.values().stream().mapToInt(Integer::intValue).sum());
    assertEquals(byTimestamp, buckets(ev.path("aggregations").path("@timestamp")), "events per minute");
  }

  private static boolean sleep(long ms) throws InterruptedException {
    Thread.sleep(ms);
    return true;
  }

  /** Bucket key (key_as_string for dates) to doc count, empty buckets left out. */
  private static Map<String, Integer> buckets(JsonNode agg) {
    Map<String, Integer> out = new TreeMap<>();
    for (JsonNode b : agg.path("buckets")) {
      if (b.path("doc_count").asInt() > 0) {
        String key = b.has("key_as_string") ? b.get("key_as_string").asText() : b.get("key").asText();
        out.put(key.endsWith(".000Z") ? key.replace(".000Z", "Z") : key, b.path("doc_count").asInt());
      }
    }
    return out;
  }

  /** The links of events whose id starts with {@code eventIds}, page by page: a search returns 10,000 at most. */
  static List<String> links(String es, String eventIds) throws Exception {
    List<String> out = new ArrayList<>();
    ObjectNode q = JSON.createObjectNode();
    q.put("size", 5000);
    if (!eventIds.isEmpty()) {
      q.putObject("query").putObject("prefix").put("event_id", eventIds);
    }
    q.putArray("sort").add("event_id").add("alarm_id");
    while (true) {
      String r = search(es, "/siem_alarm_events-*/_search?ignore_unavailable=true&allow_no_indices=true",
          q.toString());
      JsonNode hits = JSON.readTree(r).path("hits").path("hits");
      for (JsonNode h : hits) {
        JsonNode s = h.get("_source");
        ObjectNode o = JSON.createObjectNode();
        o.put("alarm_id", s.get("alarm_id").asText()).put("stage", s.get("stage").asInt())
            .put("event_id", s.get("event_id").asText());
        out.add(o.toString());
      }
      if (hits.size() < 5000) {
        break;
      }
      q.set("search_after", hits.get(hits.size() - 1).get("sort"));
    }
    out.sort(null);
    return out;
  }

  /** A POST to Elasticsearch (as {@link #request} sends it); the status must be 200. */
  static String post(String es, String path, String contentType, String body) throws Exception {
    HttpResponse<String> r = client(es).send(request(es, path).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return r.body();
  }

  /**
   * A search, asked again for up to 30 s while Elasticsearch answers 503: a daily index the sink has just created
   * may not have its shard started yet (no_shard_available_action_exception, seen under load).
   */
  static String search(String es, String path, String body) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      HttpResponse<String> r = client(es).send(request(es, path).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 503 || System.nanoTime() > deadline) {
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
      }
      Thread.sleep(500);
    }
  }

  static String get(String es, String path) throws Exception {
    HttpResponse<String> r = client(es).send(request(es, path).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 404 ? "{}" : r.body();
  }

  /** One client per server: trusting the CA of a secured one this JVM started. */
  private static final Map<String, HttpClient> CLIENTS = new java.util.concurrent.ConcurrentHashMap<>();

  private static HttpClient client(String es) {
    return Elasticsearch.runningAt(es).filter(Elasticsearch::secured)
        .map(s -> CLIENTS.computeIfAbsent(s.caCertificate().toString(), k -> s.adminClient(Duration.ofSeconds(10))))
        .orElseGet(HttpClient::newHttpClient);
  }

  /** A request to {@code path}: as the admin on a secured server this JVM started (fixtures read and clean up). */
  private static HttpRequest.Builder request(String es, String path) {
    return Elasticsearch.runningAt(es).map(s -> s.adminRequest(path))
        .orElseGet(() -> HttpRequest.newBuilder(URI.create(es + path)));
  }
}
