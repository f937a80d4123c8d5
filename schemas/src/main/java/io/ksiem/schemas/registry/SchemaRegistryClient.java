package io.ksiem.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A client of the Confluent Schema Registry REST API, the API that Confluent Schema Registry, Apicurio (at
 * {@code /apis/ccompat/v7}), Karapace and Redpanda all serve. Written by hand on {@code java.net.http}: Confluent's
 * client is not on Maven Central, and Apicurio's own client speaks Apicurio's API. Ids and schemas are cached, as
 * they never change once assigned.
 */
public final class SchemaRegistryClient {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final HttpClient http;
  private final String authorization;
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

  /** The registry refused a schema: incompatible with the subject's history (HTTP 409) or invalid (422). */
  public static final class RejectedSchemaException extends IOException {
    private final int status;

    RejectedSchemaException(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /** The registry has no schema with the id a record names: the record is not ours, or the registry lost it. */
  public static final class UnknownSchemaException extends IOException {
    UnknownSchemaException(String message) {
      super(message);
    }
  }

  /** The registry refused the client's credentials, or asked for some (HTTP 401 or 403). */
  public static final class RegistryAuthException extends IOException {
    RegistryAuthException(String message) {
      super(message);
    }
  }

  /** {@code baseUrl} such as {@code http://localhost:8081} or {@code http://host:8080/apis/ccompat/v7}. */
  public SchemaRegistryClient(String baseUrl) {
    this(baseUrl, RegistryAccess.NONE);
  }

  /**
   * The same, with credentials and trust. A URL with user info is refused: it would reach error messages and logs,
   * and the credential settings can come from files.
   */
  public SchemaRegistryClient(String baseUrl, RegistryAccess access) {
    // any @ may end user info (a password may hold / or ?, which ends a URI's authority early): refused, unshown
    if (baseUrl.contains("@")) {
      throw new IllegalArgumentException("registry.url carries credentials; give them as registry.user and "
          + "registry.password.file (or registry.token.file) instead");
    }
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    if (access.ssl() != null) {
      b.sslContext(access.ssl());
    }
    this.http = b.build();
    this.authorization = access.authorization();
  }

  /** Registers (or finds) the schema under the subject and returns its global id. */
  public int register(String subject, Schema schema) throws IOException {
    String key = subject + "\u0000" + schema;
    Integer cached = ids.get(key);
    if (cached != null) {
      return cached;
    }
    String body = JSON.writeValueAsString(Map.of("schema", schema.toString(), "schemaType", "AVRO"));
    JsonNode reply = call("POST", "/subjects/" + subject + "/versions", body);
    int id = reply.get("id").asInt();
    ids.put(key, id);
    schemas.putIfAbsent(id, schema);
    return id;
  }

  /** The schema with this global id. */
  public Schema schema(int id) throws IOException {
    Schema s = schemas.get(id);
    if (s != null) {
      return s;
    }
    JsonNode reply = call("GET", "/schemas/ids/" + id, null);
    s = new Schema.Parser().parse(reply.get("schema").asText());
    schemas.put(id, s);
    return s;
  }

  /** Sets the subject's compatibility level, such as {@code BACKWARD}. */
  public void setCompatibility(String subject, String level) throws IOException {
    String body = JSON.writeValueAsString(Map.of("compatibility", level));
    try {
      call("PUT", "/config/" + subject, body);
    } catch (RejectedSchemaException e) {
      // apps starting together race to create the subject's rule, and Apicurio refuses the loser ("already
      // exists"); the second PUT updates the rule the winner created
      call("PUT", "/config/" + subject, body);
    }
  }

  public String compatibility(String subject) throws IOException {
    JsonNode reply = call("GET", "/config/" + subject, null);
    return reply.path("compatibilityLevel").asText();
  }

  private JsonNode call(String method, String path, String body) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
        .header("Accept", CONTENT_TYPE);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted calling the schema registry", e);
    }
    if (r.statusCode() == 409 || r.statusCode() == 422) {
      throw new RejectedSchemaException(r.statusCode(), "schema registry refused " + method + " " + path + ": "
          + r.body());
    }
    if (r.statusCode() == 404 && path.startsWith("/schemas/ids/")) {
      throw new UnknownSchemaException("the schema registry has no schema with id " + path.substring(13));
    }
    if (r.statusCode() == 401 || r.statusCode() == 403) {
      // not worth a retry: the body may echo what was sent, so it stays out of the message
      throw new RegistryAuthException("schema registry " + method + " " + baseUrl + path + " answered "
          + r.statusCode() + (authorization == null ? ": it asks for credentials (registry.user and "
          + "registry.password.file, or registry.token.file)" : ": the credentials given are refused"));
    }
    if (r.statusCode() / 100 != 2) {
      throw new IOException("schema registry " + method + " " + baseUrl + path + " answered " + r.statusCode()
          + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
