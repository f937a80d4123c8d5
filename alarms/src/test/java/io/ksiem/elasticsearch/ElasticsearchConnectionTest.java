package io.ksiem.elasticsearch;

import java.nio.file.Path;
import java.util.List;
import org.apache.http.HttpHost;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElasticsearchConnectionTest {
  @Test
  void takesCommaSeparatedNodesOfOneScheme() {
    ElasticsearchConnection c = ElasticsearchConnection.to(" https://es1:9200, https://es2:9201/ ,,https://es3");
    assertEquals(List.of(new HttpHost("es1", 9200, "https"), new HttpHost("es2", 9201, "https"),
        new HttpHost("es3", -1, "https")), c.nodes());
    assertEquals(List.of(new HttpHost("127.0.0.1", 9200, "http")),
        ElasticsearchConnection.to("http://127.0.0.1:9200").nodes());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ElasticsearchConnection.to("https://es1:9200,http://es2:9200")).getMessage().contains("mix"));
    assertThrows(IllegalArgumentException.class, () -> ElasticsearchConnection.to(" , "));
    assertThrows(IllegalArgumentException.class, () -> ElasticsearchConnection.to("ftp://es1:21"));
    assertThrows(IllegalArgumentException.class, () -> ElasticsearchConnection.to("es1:9200"));
    assertThrows(IllegalArgumentException.class, () -> ElasticsearchConnection.to("https://es1:9200/prefix"));
    assertThrows(IllegalArgumentException.class, () -> ElasticsearchConnection.to("https://es1:9200/?x=1"));
  }

  @Test
  void refusesUserInfoWithoutRepeatingIt() {
    for (String url : List.of("https://elastic:s3cr3t@es1:9200", "https://es0:9200,https://elastic:s3cr3t@es1:9200",
        "https://elastic:s3/cr@t@es1:9200", "https://s3cr3t@es1")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ElasticsearchConnection.to(url));
      assertFalse(e.getMessage().contains("s3"), e.getMessage());
      assertFalse(e.getMessage().contains("elastic:"), e.getMessage());
      assertTrue(e.getMessage().contains("elasticsearch.user") && e.getMessage().contains("elasticsearch.api.key"),
          "says which settings take credentials: " + e.getMessage());
    }
    assertEquals("https://<redacted>@es1:9200", ElasticsearchConnection.redact("https://u:p/@x@es1:9200"));
  }

  @Test
  void toStringNamesTheUserButNoSecret() {
    String basic = ElasticsearchConnection.to("https://es1:9200").trustingCaFile(Path.of("/etc/ca.pem"))
        .withUser("ksiem_alarms", "pa55word-xyz").toString();
    assertTrue(basic.contains("https://es1:9200") && basic.contains("ksiem_alarms") && basic.contains("/etc/ca.pem"),
        basic);
    assertFalse(basic.contains("pa55word"), basic);
    String key = ElasticsearchConnection.to("https://es1:9200").withApiKey("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhU"
        + "Tm1zeWFrdzl0dk5udw==").toString();
    assertTrue(key.contains("API key"), key);
    assertFalse(key.contains("VnVh"), key);
  }

  @Test
  void refusesTwoKindsOfCredentialsOrTrust() {
    ElasticsearchConnection c = ElasticsearchConnection.to("https://es1:9200");
    assertThrows(IllegalArgumentException.class, () -> c.withUser("u", "password").withApiKey("id:key"));
    assertThrows(IllegalArgumentException.class, () -> c.withApiKey("id:key").withUser("u", "password"));
    assertThrows(IllegalArgumentException.class, () -> c.withUser("u", ""));
    assertThrows(IllegalArgumentException.class, () -> c.withUser("a:b", "password"));
    String fp = "ab".repeat(32);
    assertThrows(IllegalArgumentException.class, () -> c.trustingCaFile(Path.of("ca.pem")).trustingCaFingerprint(fp));
    assertThrows(IllegalArgumentException.class, () -> c.trustingCaFingerprint(fp).trustingCaFile(Path.of("ca.pem")));
    // trust is about TLS: on http nodes it would be ignored, which a typo in the scheme should not hide
    assertThrows(IllegalArgumentException.class,
        () -> ElasticsearchConnection.to("http://es1:9200").trustingCaFingerprint(fp));
  }

  @Test
  void checksFingerprintsAndApiKeys() {
    ElasticsearchConnection c = ElasticsearchConnection.to("https://es1:9200");
    String colons = String.join(":", java.util.Collections.nCopies(32, "AB"));
    assertTrue(c.trustingCaFingerprint(colons).toString().contains("ab".repeat(32)));
    assertThrows(IllegalArgumentException.class, () -> c.trustingCaFingerprint("abcd"));
    assertThrows(IllegalArgumentException.class, () -> c.trustingCaFingerprint("zz".repeat(32)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.withApiKey("notakey!"));
    assertFalse(e.getMessage().contains("notakey"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> c.withApiKey("bm9jb2xvbg=="));
    assertTrue(c.withApiKey("id:key").toString().contains("API key"));
  }

  @Test
  void warnsOfCredentialsInTheClear() {
    assertTrue(ElasticsearchConnection.to("http://es1:9200").withUser("u", "password").sendsCredentialsInClear());
    assertFalse(ElasticsearchConnection.to("https://es1:9200").withUser("u", "password").sendsCredentialsInClear());
    assertFalse(ElasticsearchConnection.to("http://es1:9200").sendsCredentialsInClear());
  }
}
