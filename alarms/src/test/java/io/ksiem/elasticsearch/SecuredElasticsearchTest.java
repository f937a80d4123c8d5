package io.ksiem.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.ksiem.servers.Elasticsearch;
import io.ksiem.servers.SharedServers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sink's connection against the shared secured Elasticsearch (TLS with a CA of its own, file-realm users): as
 * the user with {@link Elasticsearch#SINK_ROLE} it does every request of the sink, and is refused anything else.
 */
class SecuredElasticsearchTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ElasticsearchConnection asSink(Elasticsearch es) {
    return ElasticsearchConnection.to(es.url()).trustingCaFile(es.caCertificate())
        .withUser(es.sinkUser().name(), es.sinkUser().password());
  }

  @Test
  void theSinkUserDoesTheSinksWorkAndNothingElse() throws Exception {
    Elasticsearch es = SharedServers.elasticsearch();
    // a day no other test writes: its indices do not exist yet, so the bulk request auto-creates them
    java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
    String day = String.format("1999.%02d.%02d", rnd.nextInt(1, 13), rnd.nextInt(1, 29));
    String links = Documents.ALARM_EVENTS_PREFIX + day;
    String events = Documents.EVENTS_PREFIX + day;
    String alarmId = "secured-" + System.nanoTime();
    ElasticsearchConnection sink = asSink(es);
    try (RestClient rest = sink.restClient()) {
      ElasticsearchClient c = new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper(JSON)));
      // cluster: manage_index_templates
      ElasticsearchSink.installTemplates(c);
      // siem_alarms: read (the multi-get of StoredAlarms), index (create, and the conditional index that follows)
      StoredAlarms stored = new StoredAlarms(c);
      ObjectNode first = JSON.createObjectNode().put("alarm_id", alarmId).put("risk", 1).put("update_time", 100);
      ObjectNode second = first.deepCopy().put("risk", 2).put("update_time", 200);
      for (ObjectNode snapshot : List.of(first, second)) {
        List<BulkOperation> ops = new ArrayList<>(stored.writes(Map.of(alarmId, snapshot)).values());
        assertEquals(1, ops.size());
        BulkResponse r = c.bulk(b -> b.operations(ops).refresh(co.elastic.clients.elasticsearch._types.Refresh.True));
        assertFalse(r.errors(), () -> r.items().toString());
      }
      assertEquals(2, c.get(g -> g.index(Documents.ALARMS_INDEX).id(alarmId), ObjectNode.class).source()
          .path("risk").asInt());
      // links and events: index, auto-creating a new daily index (auto_configure)
      ObjectNode doc = JSON.createObjectNode().put("alarm_id", alarmId).put("event_id", "e-" + alarmId);
      BulkResponse r = c.bulk(b -> b.operations(o -> o.index(i -> i.index(links).id("0-1").document(doc)))
          .operations(o -> o.index(i -> i.index(events).id("e-" + alarmId).document(doc))));
      assertFalse(r.errors(), () -> r.items().toString());
      assertEquals(List.of(201, 201), r.items().stream().map(i -> i.status()).toList());

      // refused: another index, explicit creation, deletion, reading what it only writes, cluster monitoring
      BulkResponse other = c.bulk(b -> b.operations(o -> o.index(i -> i.index("other-" + day).id("1")
          .document(doc))));
      assertEquals(403, other.items().get(0).status(), () -> other.items().toString());
      assertEquals(BulkOutcome.RETRY, BulkOutcome.of(other.items().get(0).status(), true),
          "a refused write is kept, not dead-lettered");
      assertEquals(403, status(rest, "PUT", "/siem_other-" + day + "/_doc/1", "{}"));
      assertEquals(403, status(rest, "PUT", "/siem_events-2000.01.01", "{}"));
      assertEquals(403, status(rest, "DELETE", "/" + links, null));
      assertEquals(403, status(rest, "POST", "/" + events + "/_search", "{}"));
      assertEquals(403, status(rest, "GET", "/_cluster/health", null));
    } finally {
      try (RestClient admin = ElasticsearchConnection.to(es.url()).trustingCaFile(es.caCertificate())
          .withUser(es.admin().name(), es.admin().password()).restClient()) {
        status(admin, "DELETE", "/" + links + "," + events, null);
        status(admin, "DELETE", "/" + Documents.ALARMS_INDEX + "/_doc/" + alarmId, null);
      }
    }
  }

  @Test
  void aWrongPasswordIsRefusedAndNotRepeated() throws Exception {
    Elasticsearch es = SharedServers.elasticsearch();
    ElasticsearchConnection wrong = ElasticsearchConnection.to(es.url()).trustingCaFile(es.caCertificate())
        .withUser(es.sinkUser().name(), "not-the-password-42");
    try (RestClient rest = wrong.restClient()) {
      ResponseException e = assertThrows(ResponseException.class,
          () -> rest.performRequest(new Request("GET", "/siem_alarms/_doc/x")));
      assertEquals(401, e.getResponse().getStatusLine().getStatusCode());
      assertFalse(e.getMessage().contains("not-the-password-42"), e.getMessage());
    }
  }

  @Test
  void trustsByFingerprintAndOnlyTheRightOne() throws Exception {
    Elasticsearch es = SharedServers.elasticsearch();
    ElasticsearchConnection pinned = ElasticsearchConnection.to(es.url()).trustingCaFingerprint(es.caFingerprint())
        .withUser(es.sinkUser().name(), es.sinkUser().password());
    try (RestClient rest = pinned.restClient()) {
      ElasticsearchSink.installTemplates(new ElasticsearchClient(new RestClientTransport(rest,
          new JacksonJsonpMapper(JSON))));
    }
    String other = es.caFingerprint().substring(1) + (es.caFingerprint().charAt(0) == '0' ? "1" : "0");
    for (ElasticsearchConnection untrusted : List.of(ElasticsearchConnection.to(es.url()).trustingCaFingerprint(other),
        ElasticsearchConnection.to(es.url()))) {
      try (RestClient rest = untrusted.withUser(es.sinkUser().name(), es.sinkUser().password()).restClient()) {
        IOException e = assertThrows(IOException.class,
            () -> rest.performRequest(new Request("GET", "/siem_alarms/_doc/x")));
        assertTrue(e instanceof javax.net.ssl.SSLException || e.getCause() instanceof javax.net.ssl.SSLException,
            untrusted + ": " + e);
      }
    }
  }

  /**
   * The API-key path against the JDK's HTTP server, which answers only a request carrying the expected
   * {@code Authorization: ApiKey} header: the Elasticsearch the tests run cannot make API keys (its security index
   * needs the analysis-common module, which the integ-test distribution lacks).
   */
  @Test
  void sendsTheApiKeyOnEveryRequest() throws Exception {
    String encoded = Base64.getEncoder().encodeToString("key-id:key-secret".getBytes(StandardCharsets.UTF_8));
    List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", x -> {
      String auth = x.getRequestHeaders().getFirst("Authorization");
      seen.add(x.getRequestMethod() + " " + x.getRequestURI().getPath() + " " + auth);
      x.getRequestBody().readAllBytes();
      boolean ok = ("ApiKey " + encoded).equals(auth);
      byte[] body = (ok ? "{\"acknowledged\":true}" : "{\"error\":\"no key\",\"status\":401}")
          .getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
      // the Java client refuses answers without it
      x.getResponseHeaders().add("X-Elastic-Product", "Elasticsearch");
      x.sendResponseHeaders(ok ? 200 : 401, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      for (String key : List.of(encoded, "key-id:key-secret")) {
        seen.clear();
        try (RestClient rest = ElasticsearchConnection.to(url).withApiKey(key).restClient()) {
          ElasticsearchSink.installTemplates(new ElasticsearchClient(new RestClientTransport(rest,
              new JacksonJsonpMapper(JSON))));
        }
        assertEquals(3, seen.size(), seen::toString);
        for (String s : seen) {
          assertTrue(s.startsWith("PUT /_index_template/ksiem-siem_") && s.endsWith(" ApiKey " + encoded), s);
        }
      }
      try (RestClient rest = ElasticsearchConnection.to(url).withApiKey("other-id:key-secret").restClient()) {
        // refused by the server (401), not a connection that failed
        var e = assertThrows(co.elastic.clients.elasticsearch._types.ElasticsearchException.class,
            () -> ElasticsearchSink.installTemplates(new ElasticsearchClient(new RestClientTransport(rest,
                new JacksonJsonpMapper(JSON)))), "the server checks the key");
        assertEquals(401, e.status(), e::toString);
      }
    } finally {
      server.stop(0);
    }
  }

  private static int status(RestClient rest, String method, String path, String body) throws IOException {
    Request r = new Request(method, path);
    if (body != null) {
      r.setJsonEntity(body);
    }
    try {
      return rest.performRequest(r).getStatusLine().getStatusCode();
    } catch (ResponseException e) {
      return e.getResponse().getStatusLine().getStatusCode();
    }
  }
}
