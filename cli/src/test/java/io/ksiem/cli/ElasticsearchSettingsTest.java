package io.ksiem.cli;

import io.ksiem.elasticsearch.ElasticsearchConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.http.HttpHost;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The alarms sink's Elasticsearch settings: nodes, trust and credentials, and what is refused. */
class ElasticsearchSettingsTest {
  private static ElasticsearchConnection of(Map<String, String> env) throws Exception {
    return new AppConfig(null, env).elasticsearch();
  }

  @Test
  void defaultIsOneOpenLocalNode() throws Exception {
    ElasticsearchConnection c = of(Map.of());
    assertEquals(List.of(new HttpHost("127.0.0.1", 9200, "http")), c.nodes());
    assertTrue(c.toString().contains("no credentials"), c.toString());
  }

  @Test
  void nodesTrustAndUserFromFiles() throws Exception {
    Path password = Files.createTempFile("es-password", "");
    Files.writeString(password, "s3cr3t-from-file\n");
    ElasticsearchConnection c = of(Map.of("KSIEM_ELASTICSEARCH_URL", "https://es1:9200,https://es2:9200",
        "KSIEM_ELASTICSEARCH_CA_FINGERPRINT", "AB:".repeat(31) + "AB", "KSIEM_ELASTICSEARCH_USER", "ksiem_alarms",
        "KSIEM_ELASTICSEARCH_PASSWORD_FILE", password.toString()));
    assertEquals(2, c.nodes().size());
    assertTrue(c.toString().contains("user ksiem_alarms") && c.toString().contains("ab".repeat(32)), c.toString());
    assertFalse(c.toString().contains("s3cr3t"), c.toString());
  }

  @Test
  void refusesBothCredentialsHalfAUserAndBothTrusts() throws Exception {
    Path key = Files.createTempFile("es-key", "");
    Files.writeString(key, "id:key");
    IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> of(Map.of(
        "KSIEM_ELASTICSEARCH_URL", "https://es1:9200", "KSIEM_ELASTICSEARCH_API_KEY_FILE", key.toString(),
        "KSIEM_ELASTICSEARCH_USER", "u", "KSIEM_ELASTICSEARCH_PASSWORD", "pw-secret")));
    assertTrue(both.getMessage().contains("elasticsearch.api.key") && both.getMessage().contains("not both"),
        both.getMessage());
    assertFalse(both.getMessage().contains("pw-secret") || both.getMessage().contains("id:key"), both.getMessage());
    assertThrows(IllegalArgumentException.class, () -> of(Map.of("KSIEM_ELASTICSEARCH_USER", "u")));
    assertThrows(IllegalArgumentException.class, () -> of(Map.of("KSIEM_ELASTICSEARCH_PASSWORD", "pw")));
    assertThrows(IllegalArgumentException.class, () -> of(Map.of("KSIEM_ELASTICSEARCH_API_KEY", "id:key",
        "KSIEM_ELASTICSEARCH_API_KEY_FILE", key.toString())));
    assertThrows(IllegalArgumentException.class, () -> of(Map.of("KSIEM_ELASTICSEARCH_URL", "https://es1:9200",
        "KSIEM_ELASTICSEARCH_CA_FILE", "/ca.pem", "KSIEM_ELASTICSEARCH_CA_FINGERPRINT", "ab".repeat(32))));
  }

  @Test
  void refusesCredentialsInTheUrlWithoutRepeatingThem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> of(Map.of(
        "KSIEM_ELASTICSEARCH_URL", "https://elastic:changeme-42@es1:9200")));
    assertTrue(e.getMessage().startsWith("elasticsearch.url: "), e.getMessage());
    assertTrue(e.getMessage().contains("elasticsearch.password"), e.getMessage());
    assertFalse(e.getMessage().contains("changeme-42") || e.getMessage().contains("elastic:"), e.getMessage());
  }
}
