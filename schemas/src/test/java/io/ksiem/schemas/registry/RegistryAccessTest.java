package io.ksiem.schemas.registry;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry client's credentials and trust against a real HTTPS server that answers the Confluent API only to
 * the right {@code Authorization} header. Apicurio, the registry the other tests run, authenticates only through an
 * OpenID Connect server (Keycloak), which this machine does not have; Confluent Schema Registry and Karapace take
 * HTTP basic as this server does.
 */
class RegistryAccessTest {
  static final String BASIC = "Basic " + java.util.Base64.getEncoder().encodeToString(
      "ksiem:s3cret-pass".getBytes(StandardCharsets.UTF_8));
  static final String BEARER = "Bearer token-123";
  static HttpsServer server;
  static Path ca;
  static String url;
  static final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("registry-tls");
    Path keystore = dir.resolve("server.p12");
    ca = dir.resolve("ca.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(keytool, "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-dname", "CN=127.0.0.1", "-ext",
        "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass", "changeit");
    run(keytool, "-exportcert", "-rfc", "-alias", "registry", "-keystore", keystore.toString(), "-storepass",
        "changeit", "-file", ca.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(ssl));
    server.createContext("/", ex -> {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      seen.add(String.valueOf(auth));
      byte[] body;
      int status;
      if (!BASIC.equals(auth) && !BEARER.equals(auth)) {
        status = 401;
        ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
        body = ("{\"error_code\":401,\"message\":\"Unauthorized " + auth + "\"}").getBytes(StandardCharsets.UTF_8);
      } else if (ex.getRequestURI().getPath().endsWith("/versions")) {
        status = 200;
        body = "{\"id\":7}".getBytes(StandardCharsets.UTF_8);
      } else {
        status = 404;
        body = "{}".getBytes(StandardCharsets.UTF_8);
      }
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    url = "https://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7";
  }

  static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  static final Schema SCHEMA = Schema.create(Schema.Type.STRING);

  @Test
  void basicCredentialsAndBearerTokensAreSentOverTlsTrustingTheGivenCa() throws Exception {
    assertEquals(7, new SchemaRegistryClient(url, RegistryAccess.of("ksiem", "s3cret-pass", null, ca.toString()))
        .register("basic-value", SCHEMA));
    assertEquals(BASIC, seen.get(seen.size() - 1));
    assertEquals(7, new SchemaRegistryClient(url, RegistryAccess.of(null, null, "token-123\n", ca.toString()))
        .register("bearer-value", SCHEMA));
    assertEquals(BEARER, seen.get(seen.size() - 1));
  }

  @Test
  void refusedOrMissingCredentialsFailAtOnceAndTheMessageHoldsNoSecret() {
    var wrong = assertThrows(SchemaRegistryClient.RegistryAuthException.class, () -> new SchemaRegistryClient(url,
        RegistryAccess.of("ksiem", "wrong-pass", null, ca.toString())).register("wrong-value", SCHEMA));
    assertTrue(wrong.getMessage().contains("401") && wrong.getMessage().contains("refused"), wrong.getMessage());
    // the server echoes the header it got; the message must not carry it on
    assertFalse(wrong.getMessage().contains("Basic") || wrong.getMessage().contains("wrong-pass"),
        wrong.getMessage());
    var none = assertThrows(SchemaRegistryClient.RegistryAuthException.class, () -> new SchemaRegistryClient(url,
        RegistryAccess.of(null, null, null, ca.toString())).register("none-value", SCHEMA));
    assertTrue(none.getMessage().contains("registry.password.file"), none.getMessage());
  }

  @Test
  void aRegistryWhoseCaIsNotTrustedIsRefused() {
    // the JVM's CAs do not include this server's self-signed certificate
    var e = assertThrows(java.io.IOException.class, () -> new SchemaRegistryClient(url,
        RegistryAccess.of("ksiem", "s3cret-pass", null, null)).register("untrusted-value", SCHEMA));
    assertTrue(e instanceof javax.net.ssl.SSLException || e.getCause() instanceof javax.net.ssl.SSLException
        || String.valueOf(e.getMessage()).contains("PKIX"), String.valueOf(e));
  }

  @Test
  void settingsThatCannotWorkAreRefusedAndNothingShowsTheSecret() {
    assertThrows(IllegalArgumentException.class, () -> RegistryAccess.of("u", "p", "t", null));
    assertThrows(IllegalArgumentException.class, () -> RegistryAccess.of("u", null, null, null));
    var url = assertThrows(IllegalArgumentException.class,
        () -> new SchemaRegistryClient("https://ksiem:s3cret-pass@registry:8081"));
    assertFalse(url.getMessage().contains("s3cret"), url.getMessage());
    String shown = RegistryAccess.of("ksiem", "s3cret-pass", null, ca.toString()).toString();
    assertFalse(shown.contains("s3cret") || shown.contains(BASIC.substring(6)), shown);
    assertEquals(RegistryAccess.NONE.toString(), RegistryAccess.of("", "", "", "").toString());
  }
}
