package io.ksiem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.ingest.IntakeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code http.*} settings of POST /events, as {@link AppConfig#intakeSettings} reads them. */
class IntakeSettingsConfigTest {
  @TempDir
  Path dir;

  @Test
  void byDefaultTheIntakeIsOpenPlainHttpWithTheDefaultLimits() throws Exception {
    IntakeSettings s = new AppConfig(null, Map.of()).intakeSettings();
    assertNull(s.tls());
    assertTrue(s.bearerTokens().isEmpty() && s.basicCredentials().isEmpty());
    assertEquals(Duration.ofSeconds(10), s.headerTimeout());
    assertEquals(Duration.ofSeconds(30), s.idleTimeout());
    assertEquals(1000, s.maxConnections());
    assertEquals(0, s.rateLimit());
    assertEquals(1000, s.maxInFlight());
  }

  @Test
  void credentialsAndTheKeystorePasswordComeFromFilesAndNeverShowInToString() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "# shippers\ntok-one\n\n  tok-two  \n");
    Path basic = Files.writeString(dir.resolve("basic"), "logstash:pa:ss\n");
    Path password = Files.writeString(dir.resolve("password"), "store-secret\n");
    IntakeSettings s = new AppConfig(null, Map.of("KSIEM_HTTP_AUTH_TOKENS_FILE", tokens.toString(),
        "KSIEM_HTTP_AUTH_BASIC_FILE", basic.toString(), "KSIEM_HTTP_TLS_KEYSTORE", "/etc/ksiem/intake.p12",
        "KSIEM_HTTP_TLS_KEYSTORE_PASSWORD_FILE", password.toString(), "KSIEM_HTTP_RATE_LIMIT", "500"))
        .intakeSettings();
    assertEquals(List.of("tok-one", "tok-two"), s.bearerTokens());
    assertEquals(List.of("logstash:pa:ss"), s.basicCredentials());
    assertEquals("store-secret", s.tls().keystorePassword());
    assertNull(s.tls().clientCa());
    assertEquals(500, s.rateLimit());
    String shown = s.toString();
    for (String secret : new String[] {"tok-one", "tok-two", "pa:ss", "store-secret"}) {
      assertFalse(shown.contains(secret), shown);
    }
  }

  @Test
  void aKeystoreWithoutPasswordOrAClientCaWithoutKeystoreIsRefused() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> new AppConfig(null, Map.of("KSIEM_HTTP_TLS_KEYSTORE",
        "/etc/ksiem/intake.p12")).intakeSettings());
    assertThrows(IllegalArgumentException.class, () -> new AppConfig(null, Map.of("KSIEM_HTTP_TLS_CLIENT_CA",
        "/etc/ksiem/ca.pem")).intakeSettings());
    assertThrows(IllegalArgumentException.class, () -> new AppConfig(null, Map.of("KSIEM_HTTP_MAX_CONNECTIONS",
        "0")).intakeSettings());
  }
}
